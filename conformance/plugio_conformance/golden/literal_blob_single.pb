
2
file*
(&


csvs3://bucket/raw/ab/data.csv