
/
folder%
#!

s3://bucket/raw/cd/folder