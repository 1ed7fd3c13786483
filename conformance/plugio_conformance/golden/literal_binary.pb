

point

‚¡x¡ymsgpack