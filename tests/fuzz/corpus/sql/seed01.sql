SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers, SUM(p.amount) AS revenue, AVG(p.amount)
FROM exposures e JOIN purchases p ON e.email = p.email OR e.phone = p.phone
WHERE e.campaign IN ('spring-1', 'spring-2') AND p.product = 'socks'
GROUP BY e.campaign
ORDER BY revenue DESC LIMIT 10;
