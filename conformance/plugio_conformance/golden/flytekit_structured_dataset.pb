
1
table(
&B$
s3://bucket/raw/table
	parquet