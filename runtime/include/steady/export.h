/* steady/export.h - symbol visibility. Everything is built hidden by default;
 * the public API and a plugin's entry point are marked STEADY_EXPORT.
 */
#ifndef STEADY_EXPORT_H
#define STEADY_EXPORT_H

#define STEADY_EXPORT __attribute__((visibility("default")))

#if defined(__GNUC__)
#define STEADY_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define STEADY_NORETURN          __attribute__((noreturn))
#else
#define STEADY_PRINTF(fmt, args)
#define STEADY_NORETURN
#endif

#endif
