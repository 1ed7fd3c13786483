
0
tagged&

"0a1b2c*

a-key1*

b-key2