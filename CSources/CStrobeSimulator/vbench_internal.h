/*
 * vbench_internal.h — what the simulator's own device models need from the bench and users
 * don't: finding a model's context by id with the lock held.
 */
#ifndef STROBE_VBENCH_INTERNAL_H
#define STROBE_VBENCH_INTERNAL_H

#include "strobe_vbench.h"

/** With the bench's lock held: the context of model `id` when its callback is `fn`, else NULL. */
void *strobe_vbench_model_ctx_locked(strobe_vbench *bench, int id,
                                     void (*fn)(void *ctx, strobe_vbench *bench, uint64_t time_ns, unsigned pin, unsigned level));
/** Take and drop the bench's lock (for the models' setters). */
void strobe_vbench_lock(strobe_vbench *bench);
void strobe_vbench_unlock(strobe_vbench *bench);

/** With the bench's lock held: the `ctx` of I2C target `id` when its ops' begin is `begin`
 *  (how a model built on the I2C engine finds its own state by id), else NULL. */
void *strobe_vbench_i2c_ctx_locked(strobe_vbench *bench, int id, bool (*begin)(void *ctx, bool read, uint64_t time_ns));

#endif /* STROBE_VBENCH_INTERNAL_H */
