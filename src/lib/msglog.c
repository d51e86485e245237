/*
 * msglog.c - the simulated kernel log: lines in boot order, each tagged with
 * the mapping that caused it, so output can show a mapping's own messages.
 */
#include "linux_guest.h"

#include <stdio.h>

void mt_log(struct mt_msglog *log, int mapping, const char *fmt, ...)
{
	if (!log || log->n >= MT_MAX_MSGS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(log->line[log->n], MT_MSG_LEN, fmt, ap);
	va_end(ap);
	log->mapping[log->n] = mapping;
	log->n++;
}
