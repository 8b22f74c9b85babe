/*
 * lsan - __lsan_disable() / __lsan_enable() in sanitizer builds, nothing
 * elsewhere. GMime keeps (and on re-registration loses) its type table for
 * the process; LeakSanitizer cannot see through GLib's frames to a
 * suppression, so GMime's setup runs with leak tracking off.
 */
#ifndef AD_LSAN_H
#define AD_LSAN_H

#if defined(__SANITIZE_ADDRESS__)
#define AD_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AD_LSAN 1
#endif
#endif
#ifdef AD_LSAN
#include <sanitizer/lsan_interface.h>
#else
#define __lsan_disable() ((void)0)
#define __lsan_enable() ((void)0)
#endif

#endif
