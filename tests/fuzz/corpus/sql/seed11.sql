SELECT a FROM t WHERE a = 'café' AND b = 'two
lines'