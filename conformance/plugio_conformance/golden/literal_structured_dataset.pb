
L
tableC
AB?
s3://bucket/raw/table&
$

x	Z
intparquetarrow"