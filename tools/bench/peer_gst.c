/* peer_gst.c - GStreamer passing 8-byte buffers through
 * fakesrc ! queue ! identity ! queue ! fakesink (three threads, as a
 * pipeline of that shape runs), timed from PLAYING to end of stream.
 * Built without libgstreamer1.0-dev, it reports "not installed".
 */
#include "bench.h"

#ifdef STEADY_BENCH_HAVE_GST

#include <gst/gst.h>
#include <stdio.h>

void bench_gst(const struct bench_cfg *cfg, struct bench_result *r)
{
    unsigned long n = cfg->quick ? 5000 : 1000000;
    char desc[256];
    GError *error = NULL;
    GstElement *pipe;
    GstBus *bus;
    GstMessage *msg;
    uint64_t t0;

    if (!gst_init_check(NULL, NULL, &error)) {
        bench_fail(r, "no GStreamer: %s", error ? error->message : "?");
        g_clear_error(&error);
        return;
    }
    snprintf(desc, sizeof(desc),
             "fakesrc num-buffers=%lu sizetype=fixed sizemax=8 "
             "filltype=zero silent=true ! queue ! identity silent=true ! "
             "queue ! fakesink sync=false silent=true",
             n);
    pipe = gst_parse_launch(desc, &error);
    if (!pipe || error) {
        bench_fail(r, "not installed (%s)",
                   error ? error->message : "pipeline refused");
        g_clear_error(&error);
        if (pipe)
            gst_object_unref(pipe);
        return;
    }
    bus = gst_element_get_bus(pipe);
    t0 = bench_now_ns();
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND,
                                     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    t0 = bench_now_ns() - t0;
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
        r->value = (double)n * 1e9 / (double)t0;
        r->ok = true;
    } else {
        bench_fail(r, "pipeline failed");
    }
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipe);
}

#else

void bench_gst(const struct bench_cfg *cfg, struct bench_result *r)
{
    (void)cfg;
    bench_fail(r, "not installed");
}

#endif
