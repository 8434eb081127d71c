// SPDX-License-Identifier: Apache-2.0
// aggregate_duckdb.mjs: the DuckDB side of bench/aggregate. It loads the
// two C3R-encrypted CSV tables bench/aggregate made into an in-memory
// DuckDB database, the fingerprint cells ("02:hmac:" + Base64 of 32 bytes)
// as BLOBs of their 32 bytes, amount as DECIMAL(18,2), then times each
// query RUNS times and prints each result once, for bench/aggregate to
// compare with psid's:
//
//   exposures (email, phone, campaign)
//   purchases (email, phone, amount, product)
//   q1: SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers,
//       SUM(p.amount) AS revenue, AVG(p.amount) FROM exposures e
//       JOIN purchases p ON e.email = p.email GROUP BY e.campaign
//   q2: the same with ON e.email = p.email OR e.phone = p.phone
//
//   node aggregate_duckdb.mjs EXPOSURES.csv PURCHASES.csv [RUNS] [OR_FORM]
//
// DuckDB joins an OR condition by a nested loop (rows x rows comparisons),
// so by default (OR_FORM "union") q2 is timed as the equivalent UNION ALL
// of two hash joins: the pairs equal on email, and the pairs equal on
// phone whose emails are not equal. OR_FORM "or" times the OR as written.
// The timed text is exactly the query above (q2 in the chosen form); the
// results are then read once by the same query with what an exact check
// needs: the sum as text, COUNT(p.amount) (AVG = SUM / COUNT, compared
// exactly by bench/aggregate) and COUNT(DISTINCT e.email) (exposures'
// threshold). DuckDB uses every core (its default). Output on stdout:
//   version V
//   threads T
//   load SECONDS                  (both tables, CSV to typed tables)
//   time QUERY SECONDS            (RUNS per query, q1 then q2)
//   row QUERY CAMPAIGN BUYERS REVENUE NAMOUNT EBUYERS   (tab-separated)
// Exit status 0, or 1 with a message on stderr.
import { DuckDBInstance } from '@duckdb/node-api';

const SELECT = 'SELECT e.campaign, COUNT(DISTINCT p.email) AS buyers, ' +
	'SUM(p.amount) AS revenue, AVG(p.amount)';
const FROM = 'FROM exposures e JOIN purchases p';
const ON_AND = 'ON e.email = p.email';
const ON_OR = 'ON e.email = p.email OR e.phone = p.phone';
const CHECK = 'SELECT e.campaign, COUNT(DISTINCT p.email), ' +
	'CAST(SUM(p.amount) AS VARCHAR), COUNT(p.amount), ' +
	'COUNT(DISTINCT e.email)';

// The pairs of e and p with equal emails or equal phones, each once.
const OR_AS_UNION = `(
	SELECT e.campaign, e.email AS e_email, p.email AS p_email,
	    p.amount
	FROM exposures e JOIN purchases p ON e.email = p.email
	UNION ALL
	SELECT e.campaign, e.email, p.email, p.amount
	FROM exposures e JOIN purchases p ON e.phone = p.phone
	WHERE (e.email = p.email) IS NOT TRUE)`;

// The union's columns: campaign, e_email, p_email, amount.
const SELECT_U = 'SELECT campaign, COUNT(DISTINCT p_email) AS buyers, ' +
	'SUM(amount) AS revenue, AVG(amount)';
const CHECK_U = 'SELECT campaign, COUNT(DISTINCT p_email), ' +
	'CAST(SUM(amount) AS VARCHAR), COUNT(amount), COUNT(DISTINCT e_email)';
const FROM_U = `FROM ${OR_AS_UNION} GROUP BY campaign`;

function queries(orForm) {
	return {
		q1: {
			timed: `${SELECT} ${FROM} ${ON_AND} GROUP BY e.campaign`,
			check: `${CHECK} ${FROM} ${ON_AND} GROUP BY e.campaign`,
		},
		q2: orForm === 'or' ? {
			timed: `${SELECT} ${FROM} ${ON_OR} GROUP BY e.campaign`,
			check: `${CHECK} ${FROM} ${ON_OR} GROUP BY e.campaign`,
		} : {
			timed: `${SELECT_U} ${FROM_U}`,
			check: `${CHECK_U} ${FROM_U}`,
		},
	};
}

function sqlString(s) {
	return "'" + s.replaceAll("'", "''") + "'";
}

function blob(column) {
	return `from_base64(substr(${column}, 9)) AS ${column}`;
}

function cell(v) {
	return v === null ? '\\N' : String(v);
}

async function main() {
	const [ePath, pPath, runsArg = '5', orForm = 'union'] =
		process.argv.slice(2);
	const runs = Number.parseInt(runsArg, 10);
	if (!ePath || !pPath || !(runs >= 1) ||
	    !['union', 'or'].includes(orForm)) {
		console.error('usage: aggregate_duckdb.mjs EXPOSURES.csv ' +
			'PURCHASES.csv [RUNS] [union|or]');
		process.exit(2);
	}
	const instance = await DuckDBInstance.create(':memory:');
	const con = await instance.connect();
	const one = async (sql) => (await con.runAndReadAll(sql)).getRows()[0][0];
	console.log(`version ${await one('SELECT version()')}`);
	console.log(`threads ${await one("SELECT current_setting('threads')")}`);

	let t0 = process.hrtime.bigint();
	await con.run(`CREATE TABLE exposures AS
		SELECT ${blob('email')}, ${blob('phone')}, campaign
		FROM read_csv(${sqlString(ePath)}, header = true, columns = {
		    'email': 'VARCHAR', 'phone': 'VARCHAR',
		    'campaign': 'VARCHAR'})`);
	await con.run(`CREATE TABLE purchases AS
		SELECT ${blob('email')}, ${blob('phone')}, amount, product
		FROM read_csv(${sqlString(pPath)}, header = true, columns = {
		    'email': 'VARCHAR', 'phone': 'VARCHAR',
		    'amount': 'DECIMAL(18,2)', 'product': 'VARCHAR'})`);
	console.log(`load ${(Number(process.hrtime.bigint() - t0) / 1e9)
		.toFixed(6)}`);

	const qs = queries(orForm);
	for (const [name, q] of Object.entries(qs)) {
		for (let i = 0; i < runs; i++) {
			t0 = process.hrtime.bigint();
			await con.runAndReadAll(q.timed);
			const secs = Number(process.hrtime.bigint() - t0) / 1e9;
			console.log(`time ${name} ${secs.toFixed(6)}`);
		}
	}
	for (const [name, q] of Object.entries(qs)) {
		const rows = (await con.runAndReadAll(q.check)).getRows();
		for (const r of rows)
			console.log(`row ${name}\t${r.map(cell).join('\t')}`);
	}
	con.closeSync();
	instance.closeSync();
}

main().catch((e) => {
	console.error(`aggregate_duckdb: ${e.message ?? e}`);
	process.exit(1);
});
