// SPDX-License-Identifier: Apache-2.0
// count_duckdb.mjs: the DuckDB side of bench/count. It loads two
// C3R-encrypted CSV tables of one fingerprint column ("email", cells
// "02:hmac:" + Base64 of 32 bytes) into an in-memory DuckDB database, each
// as a table of one BLOB column (the 32 raw bytes, the fastest form measured
// in PERFORMANCE.md), then times the intersection count RUNS times.
//
//   node count_duckdb.mjs A.csv B.csv [RUNS] [FORM]
//
// FORM is the count query: "join" (default: SELECT count(*) FROM a JOIN b
// USING (fp)) or "intersect" (count of SELECT fp FROM a INTERSECT ...); the
// sets hold no repeated fingerprint, so both count distinct common ones.
// DuckDB uses every core (its default). Output on stdout, one line each,
// for bench/count to parse:
//   version V
//   load SECONDS        (both tables, from CSV to BLOB tables)
//   count N SECONDS     (one per run)
// Exit status 0, or 1 with a message on stderr.
import { DuckDBInstance } from '@duckdb/node-api';

const QUERIES = {
	join: 'SELECT count(*) FROM a JOIN b USING (fp)',
	intersect: 'SELECT count(*) FROM (SELECT fp FROM a INTERSECT SELECT fp FROM b)',
};

function sqlString(s) {
	return "'" + s.replaceAll("'", "''") + "'";
}

async function main() {
	const [aPath, bPath, runsArg = '5', form = 'join'] = process.argv.slice(2);
	const runs = Number.parseInt(runsArg, 10);
	if (!aPath || !bPath || !(runs >= 1) || !(form in QUERIES)) {
		console.error('usage: count_duckdb.mjs A.csv B.csv [RUNS] [join|intersect]');
		process.exit(2);
	}
	const instance = await DuckDBInstance.create(':memory:');
	const con = await instance.connect();
	const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
	console.log(`version ${version}`);

	let t0 = process.hrtime.bigint();
	for (const [name, path] of [['a', aPath], ['b', bPath]]) {
		await con.run(`CREATE TABLE ${name} AS
			SELECT from_base64(substr(email, 9)) AS fp
			FROM read_csv(${sqlString(path)}, header = true,
			    columns = {'email': 'VARCHAR'})`);
	}
	const load = Number(process.hrtime.bigint() - t0) / 1e9;
	console.log(`load ${load.toFixed(6)}`);

	for (let i = 0; i < runs; i++) {
		t0 = process.hrtime.bigint();
		const rows = (await con.runAndReadAll(QUERIES[form])).getRows();
		const secs = Number(process.hrtime.bigint() - t0) / 1e9;
		console.log(`count ${rows[0][0]} ${secs.toFixed(6)}`);
	}
	con.closeSync();
	instance.closeSync();
}

main().catch((e) => {
	console.error(`count_duckdb: ${e.message ?? e}`);
	process.exit(1);
});
