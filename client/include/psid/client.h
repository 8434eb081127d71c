/* SPDX-License-Identifier: Apache-2.0 */
/*
 * <psid/client.h>: the public interface of libpsid, the client side of psid.
 *
 * libpsid encrypts tables on the data owner's premises in the exact cell
 * format of AWS Clean Rooms' C3R client, and decrypts results:
 *  - keys:   psid_keys holds the material derived (HKDF-SHA256) from the
 *            collaborators' shared secret and the collaboration ID;
 *  - cells:  psid_column turns one value into a fingerprint cell
 *            ("02:hmac:...", deterministic, joinable) or a sealed cell
 *            ("02:enc:...", AES-256-GCM, randomised); psid_unseal reverses
 *            a sealed cell;
 *  - tables: psid_encrypt_csv / psid_decrypt_csv stream CSV files of any
 *            size in bounded memory, as C3R's encrypt and decrypt modes do.
 *
 * Conventions, as in LMDB:
 *  - every function returns PSID_OK (0) or a negative enum psid_error;
 *    psid_strerror() gives a short text for any code;
 *  - handles are opaque, created by psid_<thing>_new() and released by
 *    psid_<thing>_free(), which accepts NULL;
 *  - the library never prints, exits or aborts on bad input; table
 *    operations describe what went wrong (file, line, column) in a
 *    struct psid_report the caller passes in;
 *  - secrets are wiped from memory when the handle holding them is freed.
 * A handle may be used by one thread at a time; distinct handles are
 * independent. psid_keys is read-only after creation and may be shared.
 */
#ifndef PSID_CLIENT_H
#define PSID_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. Every function returns PSID_OK or one of these. */
enum psid_error {
	PSID_OK = 0,
	PSID_ERR_NOMEM = -1,		/* out of memory */
	PSID_ERR_INVALID = -2,		/* an argument is out of its domain */
	PSID_ERR_SECRET = -3,		/* secret: not Base64 or < 32 bytes */
	PSID_ERR_COLLABORATION_ID = -4,	/* collaboration ID is not a UUID */
	PSID_ERR_CELL_FORMAT = -5,	/* a cell is not a well-formed C3R cell */
	PSID_ERR_AUTHENTICATION = -6,	/* wrong key, or the cell was tampered */
	PSID_ERR_TOO_LONG = -7,		/* value too long for its cell or pad */
	PSID_ERR_SCHEMA = -8,		/* the schema is malformed or invalid */
	PSID_ERR_CSV = -9,		/* the CSV is malformed */
	PSID_ERR_ENCODING = -10,	/* input is not valid UTF-8 */
	PSID_ERR_DUPLICATE = -11,	/* repeated fingerprint, not allowed */
	PSID_ERR_CLEARTEXT = -12,	/* cleartext column, not allowed */
	PSID_ERR_FINGERPRINT = -13,	/* fingerprint column met on decrypt */
	PSID_ERR_IO = -14,		/* a file could not be read or written */
	PSID_ERR_EXISTS = -15,		/* output exists and overwrite is off */
	PSID_ERR_CRYPTO = -16,		/* OpenSSL failed unexpectedly */
	PSID_ERR_UNSUPPORTED = -17,	/* valid C3R, not supported here */
	/* Talking to psid (psid_conn): */
	PSID_ERR_NETWORK = -18,		/* connect, read or write failed */
	PSID_ERR_TLS = -19,		/* TLS set-up or handshake failed */
	PSID_ERR_PROTOCOL = -20,	/* the peer broke the protocol */
	PSID_ERR_NOT_FOUND = -21,	/* unknown collaboration or table */
	PSID_ERR_FORBIDDEN = -22,	/* not allowed to this member */
	PSID_ERR_CONFLICT = -23,	/* the table exists */
	PSID_ERR_REFUSED = -24,		/* psid refused a table's cells */
	PSID_ERR_LIMIT = -25,		/* a server limit is exceeded */
	PSID_ERR_UNAVAILABLE = -26,	/* psid is shutting down or full */
	PSID_ERR_SERVER = -27,		/* psid failed internally */
	PSID_ERR_BAD_REQUEST = -28,	/* psid found the request malformed */
	PSID_ERR_RULE = -29,		/* a rule file is not a valid rule */
};

/*
 * Return a static, human-readable description of an error code. Never
 * NULL; unknown codes give "unknown error".
 */
const char *psid_strerror(int error);

/* Length of a fingerprint cell ("02:hmac:" + 44 Base64 characters). */
#define PSID_FINGERPRINT_CELL_LEN 52
/* Longest cell C3R writes: 16383 bytes. */
#define PSID_MAX_CELL_LEN 16383
/* Bytes in a fresh shared secret from psid_secret_generate(). */
#define PSID_SECRET_BYTES 32
/* Size of a buffer that holds a Base64 secret of PSID_SECRET_BYTES. */
#define PSID_SECRET_B64_SIZE 45
/* Longest name of a table or column, normalised (C3R's header limit). */
#define PSID_NAME_MAX 128

/*
 * Normalise a table or column name in[0..len) as C3R normalises a header
 * (trim characters <= ' ' at both ends, lower-case ASCII) into out (at
 * most PSID_NAME_MAX bytes and a NUL). Returns the normalised length, or
 * -1 when it is longer than PSID_NAME_MAX or not a valid name (empty, or
 * not [a-z0-9_](([a-z0-9_ ]+-)*([a-z0-9_ ]+))?); out is then unspecified.
 */
long psid_header_normalize(const char *in, size_t len,
    char out[PSID_NAME_MAX + 1]);

/*
 * Thousandths (epsilon_milli, budget_milli) as the shortest decimal, as
 * psid writes them: 500 "0.5", 10000 "10"; into buf (32 bytes hold any),
 * which is returned.
 */
const char *psid_milli_text(uint64_t milli, char *buf, size_t size);

/* The four C3R collaboration settings. All false is C3R's high assurance. */
struct psid_settings {
	bool allow_cleartext;
	bool allow_duplicates;
	bool allow_joins_on_columns_with_different_names;
	bool preserve_nulls;
};

/* ---------------------------------------------------------------- keys */

struct psid_keys;

/*
 * Derive the keys of one collaboration.
 *  secret_b64        the shared secret, standard Base64 ('=' padding
 *                    optional, no whitespace), at least 32 bytes decoded;
 *                    all of it is used as HKDF input keying material.
 *  collaboration_id  a UUID in 8-4-4-4-12 hex form, any case; its
 *                    canonical lower-case form is the HKDF salt.
 *  keysp             receives the new handle; free with psid_keys_free().
 * Returns PSID_OK, PSID_ERR_SECRET, PSID_ERR_COLLABORATION_ID,
 * PSID_ERR_INVALID (NULL argument), PSID_ERR_NOMEM or PSID_ERR_CRYPTO.
 */
int psid_keys_new(const char *secret_b64, const char *collaboration_id,
    struct psid_keys **keysp);

/*
 * Derive keys from raw secret bytes and a salt taken verbatim, as C3R's
 * SDK allows. Any secret length >= 1 is accepted (C3R's own known-answer
 * tests use a 17-byte secret); the salt must be non-empty. Same returns
 * as psid_keys_new(). The secret is copied; the caller keeps its buffer.
 */
int psid_keys_new_raw(const uint8_t *secret, size_t secret_len,
    const char *salt, struct psid_keys **keysp);

/* Wipe and free a key handle. Accepts NULL. */
void psid_keys_free(struct psid_keys *keys);

/*
 * Write a fresh Base64 secret of PSID_SECRET_BYTES random bytes, NUL
 * terminated, into out (at least PSID_SECRET_B64_SIZE bytes).
 * Returns PSID_OK, PSID_ERR_INVALID (buffer too small) or PSID_ERR_CRYPTO.
 */
int psid_secret_generate(char *out, size_t out_size);

/* --------------------------------------------------------------- cells */

enum psid_column_type {
	PSID_COLUMN_CLEARTEXT,
	PSID_COLUMN_SEALED,
	PSID_COLUMN_FINGERPRINT,
};

enum psid_pad_type {
	PSID_PAD_NONE,	/* no padding: the 2-byte pad trailer only */
	PSID_PAD_FIXED,	/* pad every plaintext to pad_length bytes */
	PSID_PAD_MAX,	/* pad to pad_length + the column's longest value */
};

struct psid_column;

/*
 * Prepare one output column for cell-at-a-time encryption.
 *  keys           borrowed; must outlive the column.
 *  settings       the collaboration settings (copied).
 *  target_header  the column's target header; it is normalised (trimmed,
 *                 lower-cased) and must then be a valid C3R header.
 *  type           sealed or fingerprint (cleartext needs no handle).
 *  pad, pad_length  sealed only: pad type and length in [0, 10000];
 *                 ignored for fingerprints.
 *  columnp        receives the handle; free with psid_column_free().
 * Returns PSID_OK, PSID_ERR_INVALID (bad header, type or pad),
 * PSID_ERR_NOMEM or PSID_ERR_CRYPTO.
 */
int psid_column_new(const struct psid_keys *keys,
    const struct psid_settings *settings, const char *target_header,
    enum psid_column_type type, enum psid_pad_type pad, unsigned pad_length,
    struct psid_column **columnp);

/*
 * For a PSID_PAD_MAX column: the longest value (in bytes of UTF-8, without
 * C3R's 1-byte type prefix) of the column's non-NULL values in the table.
 * Padding targets pad_length + 1 + longest. Other columns ignore it.
 */
void psid_column_set_longest(struct psid_column *column, size_t longest);

/* Wipe and free a column handle. Accepts NULL. */
void psid_column_free(struct psid_column *column);

/*
 * Encrypt one value into one cell.
 *  value, len  the value's UTF-8 bytes, or value == NULL for SQL NULL.
 *  out         receives the cell text, NUL terminated.
 *  out_size    at least psid_cell_size_max(column) + 1 bytes.
 *  out_len     receives the cell length (without the NUL).
 *  is_null     set true when the cell is NULL (preserveNulls with a NULL
 *              value): then nothing is written and *out_len is 0.
 * A sealed cell draws a fresh random 32-byte nonce per call (per row, in
 * tables); a fingerprint of a NULL without preserveNulls is an HMAC of
 * random bytes, so NULLs never match.
 * Returns PSID_OK, PSID_ERR_TOO_LONG (value does not fit its padding or
 * the cell limit), PSID_ERR_INVALID (out_size too small or cleartext
 * column) or PSID_ERR_CRYPTO.
 */
int psid_column_encrypt(struct psid_column *column, const char *value,
    size_t len, char *out, size_t out_size, size_t *out_len, bool *is_null);

/* Largest cell psid_column_encrypt() can write for this column. */
size_t psid_cell_size_max(const struct psid_column *column);

/*
 * Decrypt one sealed cell ("02:enc:...").
 *  keys        the collaboration's keys.
 *  cell, len   the cell text.
 *  out         receives the value's bytes (not NUL terminated); a buffer
 *              of len bytes is always large enough.
 *  out_len     receives the value length.
 *  is_null     set true when the cell holds an encrypted NULL.
 * Returns PSID_OK, PSID_ERR_CELL_FORMAT (not a 02:enc: cell, bad Base64,
 * too short, bad padding), PSID_ERR_AUTHENTICATION (wrong key or tampered
 * cell), PSID_ERR_UNSUPPORTED (a value type that CSV cannot hold),
 * PSID_ERR_INVALID, PSID_ERR_NOMEM or PSID_ERR_CRYPTO.
 */
int psid_unseal(const struct psid_keys *keys, const char *cell, size_t len,
    char *out, size_t out_size, size_t *out_len, bool *is_null);

/* ---------------------------------------------------------------- tables */

/* Where a table operation stopped, and what it did. Filled on every call. */
struct psid_report {
	uint64_t rows;		/* data rows written (0 on error) */
	uint64_t warnings;	/* fingerprint cells passed through, etc. */
	uint64_t line;		/* on error: 1-based input line, 0 if none */
	char column[132];	/* on error: the column concerned, or "" */
	char message[512];	/* on error: one line saying what is wrong */
};

/*
 * Progress callback: called from the calling thread every few hundred
 * thousand rows with the pass name ("scan", "encrypt", "decrypt") and the
 * rows done so far in that pass.
 */
typedef void psid_progress_fn(void *arg, const char *pass, uint64_t rows);

struct psid_csv_options {
	struct psid_settings settings;	/* encrypt only */
	/* C3R's --csvInputNULLValue: NULL means "not given" (see §11.1). */
	const char *input_null_value;
	/* C3R's --csvOutputNULLValue: NULL means "" (an empty field). */
	const char *output_null_value;
	bool overwrite;		/* replace an existing output file */
	/* decrypt only: refuse fingerprint cells instead of copying them */
	bool fail_on_fingerprint_columns;
	unsigned threads;	/* worker threads; 0 = one per online CPU */
	const char *temp_dir;	/* encrypt scratch files; NULL = $TMPDIR or /tmp */
	psid_progress_fn *progress;	/* may be NULL */
	void *progress_arg;
};

/*
 * Encrypt a CSV file with a C3R schema (JSON, mapped or positional) into
 * a C3R-encrypted CSV file, as C3R's "encrypt" mode does: a header row of
 * normalised target headers, then the rows in random order. Reads the
 * input twice (MAX padding needs each column's longest value) and shuffles
 * through temporary files, so memory stays bounded for any input size.
 * The output appears only when complete: on any error no output file is
 * left behind, and an existing file is kept (or, with overwrite off,
 * PSID_ERR_EXISTS is returned before any work).
 *  report   may be NULL; when given it says where an error is.
 * Returns PSID_OK or PSID_ERR_SCHEMA, PSID_ERR_CSV, PSID_ERR_ENCODING,
 * PSID_ERR_TOO_LONG, PSID_ERR_DUPLICATE, PSID_ERR_CLEARTEXT, PSID_ERR_IO,
 * PSID_ERR_EXISTS, PSID_ERR_NOMEM, PSID_ERR_CRYPTO, PSID_ERR_INVALID.
 */
int psid_encrypt_csv(const struct psid_keys *keys, const char *schema_path,
    const char *input_path, const char *output_path,
    const struct psid_csv_options *options, struct psid_report *report);

/*
 * Decrypt a C3R-encrypted CSV file, as C3R's "decrypt" mode does: sealed
 * cells are decrypted, fingerprint cells copied unchanged (each counted in
 * report->warnings) or refused with fail_on_fingerprint_columns, other
 * cells copied; the header row and the row order are kept. One streaming
 * pass in bounded memory; same all-or-nothing output as encryption.
 * Returns PSID_OK or PSID_ERR_CSV, PSID_ERR_ENCODING, PSID_ERR_CELL_FORMAT,
 * PSID_ERR_AUTHENTICATION, PSID_ERR_FINGERPRINT, PSID_ERR_UNSUPPORTED,
 * PSID_ERR_IO, PSID_ERR_EXISTS, PSID_ERR_NOMEM, PSID_ERR_INVALID.
 */
int psid_decrypt_csv(const struct psid_keys *keys, const char *input_path,
    const char *output_path, const struct psid_csv_options *options,
    struct psid_report *report);

/*
 * Write a schema template for a CSV file, as C3R's "schema --template":
 * one entry per input column, with placeholders for the type and pad the
 * user fills in. has_header false gives a positional schema.
 * Returns PSID_OK, PSID_ERR_CSV, PSID_ERR_ENCODING, PSID_ERR_IO,
 * PSID_ERR_EXISTS, PSID_ERR_NOMEM.
 */
int psid_schema_template(const char *input_path, bool has_header,
    const char *output_path, bool overwrite, struct psid_report *report);

/*
 * Write data[0..len) to path all or nothing, as the table calls write
 * their output: into a temporary file beside path, renamed into place
 * once whole, so that path is never seen half written; an existing path
 * is replaced only when overwrite is true. Returns PSID_OK,
 * PSID_ERR_INVALID (path NULL, or data NULL with len > 0),
 * PSID_ERR_EXISTS (path exists and overwrite is false, or it appeared
 * meanwhile), PSID_ERR_IO (errno says why; nothing is left behind) or
 * PSID_ERR_NOMEM.
 */
int psid_file_write(const char *path, const void *data, size_t len,
    bool overwrite);

/* The network API: talking to psid. */
#include <psid/remote.h>

#ifdef __cplusplus
}
#endif

#endif /* PSID_CLIENT_H */
