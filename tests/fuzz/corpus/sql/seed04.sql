-- a comment
SELECT SUM(DISTINCT t.v) AS s, COUNT(t.v)
	FROM t -- trailing
ORDER BY 1 ASC, s DESC