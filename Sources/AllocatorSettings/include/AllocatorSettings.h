#ifndef XEROFLOW_ALLOCATOR_SETTINGS_H
#define XEROFLOW_ALLOCATOR_SETTINGS_H

/// jemalloc's built-in options (see malloc_conf.c).
extern const char *malloc_conf;

#endif
