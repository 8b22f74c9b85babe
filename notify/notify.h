/*
 * notify/notify.h - transitional: notify_enqueue, notify_enqueue_ack and
 * notify_run now live in app/ (app/notify.h: app/notify_policy.c,
 * app/notify_ack.c, app/notify.c). Callers still including this header get
 * those declarations; include app/notify.h instead. notify/ itself is
 * rendering and transport only (notify/internal.h, notify/digest.h).
 */
#ifndef AD_NOTIFY_H
#define AD_NOTIFY_H

#include "../app/notify.h"

#endif
