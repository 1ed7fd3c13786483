
)
StorageUnavailablestore gone at 3 