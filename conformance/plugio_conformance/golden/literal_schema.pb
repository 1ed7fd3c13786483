
O
frameF
D"B
s3://bucket/raw/schema(
i
f
s
b
t
d