
E
big>"h1B8
-s3://bucket/meta/n0/big_offloaded_metadata.pb€€€