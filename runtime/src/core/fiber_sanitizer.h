/* fiber_sanitizer.h - tells AddressSanitizer and ThreadSanitizer about stack
 * switches; in builds without them these are empty inline functions. */
#ifndef STEADY_FIBER_SANITIZER_H
#define STEADY_FIBER_SANITIZER_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
static inline void san_start_switch(void **fake_save, const void *bottom,
                                    size_t size)
{
    __sanitizer_start_switch_fiber(fake_save, bottom, size);
}
static inline void san_finish_switch(void *fake_save, const void **bottom_old,
                                     size_t *size_old)
{
    __sanitizer_finish_switch_fiber(fake_save, bottom_old, size_old);
}
#else
static inline void san_start_switch(void **fake_save, const void *bottom,
                                    size_t size)
{
    (void)fake_save;
    (void)bottom;
    (void)size;
}
static inline void san_finish_switch(void *fake_save, const void **bottom_old,
                                     size_t *size_old)
{
    (void)fake_save;
    (void)bottom_old;
    (void)size_old;
}
#endif

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
static inline void *tsan_current(void)
{
    return __tsan_get_current_fiber();
}
static inline void *tsan_create(void)
{
    return __tsan_create_fiber(0);
}
static inline void tsan_destroy(void *fiber)
{
    __tsan_destroy_fiber(fiber);
}
static inline void tsan_switch(void *fiber)
{
    __tsan_switch_to_fiber(fiber, 0);
}
#else
static inline void *tsan_current(void)
{
    return NULL;
}
static inline void *tsan_create(void)
{
    return NULL;
}
static inline void tsan_destroy(void *fiber)
{
    (void)fiber;
}
static inline void tsan_switch(void *fiber)
{
    (void)fiber;
}
#endif

#endif
