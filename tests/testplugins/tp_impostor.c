/* tp_impostor.c - another plugin file that calls itself tp_counter, with
 * the same state layout and another version: state keyed by the name
 * alone would be loaded without a word. */
#define TP_COUNTER_VERSION "9.9-impostor"
#include "tp_counter.c"
