/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handlers.h: the handlers of dispatch.c's verb table, one file per
 * message family:
 *   h_collab.c  create and get a collaboration
 *   h_upload.c  upload begin, chunk, commit, abort (cells: upload_cell.c)
 *   h_tables.c  list and delete tables, read the audit log, stats
 *   h_query.c   intersection counts and joins (noised: privacy.c)
 *   h_budget.c  each table's privacy budget
 * Each takes a request whose shape frame_check_request has checked, runs
 * on a worker thread, sends every reply through rq_reply* (request.h)
 * and returns when the request is done. None returns an error: a refusal
 * is a reply.
 */
#ifndef PSID_HANDLERS_H
#define PSID_HANDLERS_H

#include "request.h"

void handle_create_collaboration(const struct request *rq);
void handle_get_collaboration(const struct request *rq);
void handle_upload_begin(const struct request *rq);
void handle_upload_chunk(const struct request *rq);
void handle_upload_commit(const struct request *rq);
void handle_upload_abort(const struct request *rq);
void handle_list_tables(const struct request *rq);
void handle_delete_table(const struct request *rq);
void handle_read_audit(const struct request *rq);
void handle_stats(const struct request *rq);
void handle_count(const struct request *rq);
void handle_query(const struct request *rq);
void handle_join(const struct request *rq);
void handle_read_budget(const struct request *rq);

#endif /* PSID_HANDLERS_H */
