/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sdnotify.h: systemd's readiness protocol without libsystemd: one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an
 * abstract name starting with '@'). Stable protocol, per sd_notify(3).
 */
#ifndef PSID_SDNOTIFY_H
#define PSID_SDNOTIFY_H

/*
 * Send state (e.g. "READY=1", "STOPPING=1", "STATUS=...") to the service
 * manager. Returns 1 when sent, 0 when $NOTIFY_SOCKET is not set (not
 * under systemd), -1 on failure with errno set.
 */
int sdnotify_send(const char *state);

/* "RELOADING=1\nMONOTONIC_USEC=<now>", as Type=notify-reload expects. */
int sdnotify_reloading(void);

#endif /* PSID_SDNOTIFY_H */
