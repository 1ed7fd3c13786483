
#
failed
2
n3upstream failed