/* Embedding Panoptes from C: push each camera's encoded frame, read the objects around the
 * vehicle, print one line per frame set (the same lines as the Rust example,
 * crates/panoptes/examples/embed.rs, in its synchronous mode).
 *
 *   cc -Wall -Werror -std=c11 -Icrates/capi/include crates/capi/examples/embed.c \
 *      -Ltarget/release -lpanoptes_c -Wl,-rpath,target/release -o embed
 *   ./embed assets/sample-drive/rig.json models/panoptes-net/panoptes-net.toml FRAMES
 *
 * FRAMES lists one camera frame per line, frame sets in order:
 *   SET TIMESTAMP_US CAMERA PATH
 * Each set is pushed whole, then its result is awaited before the next (so that no set is
 * dropped and the output does not depend on the machine's speed). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "panoptes.h"

static int failed(const char *what, PanoptesStatus status) {
    fprintf(stderr, "embed: %s: status %d: %s\n", what, (int)status, panoptes_last_error());
    return 1;
}

/* Reads a whole file into a new buffer; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *length) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return NULL;
    }
    uint8_t *bytes = NULL;
    if (fseek(file, 0, SEEK_END) == 0) {
        long size = ftell(file);
        if (size > 0 && fseek(file, 0, SEEK_SET) == 0) {
            bytes = malloc((size_t)size);
            if (bytes != NULL && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
                free(bytes);
                bytes = NULL;
            }
            *length = (size_t)size;
        }
    }
    fclose(file);
    return bytes;
}

/* Prints a frame set's line; returns 0, or 1 when the result cannot be read. */
static int print_result(const PanoptesResult *result) {
    const char *error = panoptes_result_error(result);
    if (error != NULL) {
        printf("failed: frame set %llu: %s\n", (unsigned long long)panoptes_result_frame(result),
               error);
        return 0;
    }
    size_t objects = panoptes_result_object_count(result);
    char nearest[128] = "";
    for (size_t index = 0; index < objects; index++) {
        PanoptesObject object;
        PanoptesStatus status = panoptes_result_object(result, index, &object);
        if (status != PANOPTES_OK) {
            return failed("object", status);
        }
        if (object.confirmed) {
            snprintf(nearest, sizeof nearest, "; nearest tracked: %s #%lld at (%.1f, %.1f) m",
                     object.class_name, (long long)object.id, object.position[0],
                     object.position[1]);
            break;
        }
    }
    printf("frame %3llu: %3zu detections, %3zu objects%s\n",
           (unsigned long long)panoptes_result_frame(result),
           panoptes_result_detection_count(result), objects, nearest);
    return 0;
}

/* Waits for the next result and prints it. */
static int await_result(PanoptesPerception *perception) {
    PanoptesResult *result = NULL;
    PanoptesStatus status = panoptes_next_result(perception, 600000, &result);
    if (status != PANOPTES_OK) {
        return failed("next result", status);
    }
    int problem = print_result(result);
    panoptes_result_free(result);
    return problem;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: embed RIG_JSON MANIFEST FRAMES\n");
        return 2;
    }
    FILE *frames = fopen(argv[3], "r");
    if (frames == NULL) {
        fprintf(stderr, "embed: cannot open %s\n", argv[3]);
        return 1;
    }
    const char *manifests[] = {argv[2]};
    PanoptesPerception *perception = NULL;
    PanoptesStatus status = panoptes_open(argv[1], manifests, 1, NULL, &perception);
    if (status != PANOPTES_OK) {
        fclose(frames);
        return failed("open", status);
    }
    int problem = 0;
    long current = -1;
    long set;
    unsigned long long timestamp;
    char camera[64];
    char path[4096];
    while (!problem && fscanf(frames, "%ld %llu %63s %4095s", &set, &timestamp, camera, path) == 4) {
        if (current >= 0 && set != current) {
            problem = await_result(perception);
        }
        current = set;
        size_t length = 0;
        uint8_t *bytes = read_file(path, &length);
        if (bytes == NULL) {
            fprintf(stderr, "embed: cannot read %s\n", path);
            problem = 1;
            break;
        }
        PanoptesPush outcome;
        status = panoptes_push_encoded(perception, camera, timestamp, bytes, length, &outcome);
        free(bytes);
        if (status != PANOPTES_OK) {
            problem = failed("push", status);
        } else if (outcome == PANOPTES_REJECTED) {
            printf("%s at %llu: refused\n", camera, timestamp);
        }
    }
    fclose(frames);
    if (!problem && current >= 0) {
        problem = await_result(perception);
    }
    if (!problem) {
        status = panoptes_finish(perception);
        if (status != PANOPTES_OK) {
            problem = failed("finish", status);
        }
    }
    PanoptesResult *rest = NULL;
    while (!problem && panoptes_next_result(perception, 0, &rest) == PANOPTES_OK) {
        problem = print_result(rest);
        panoptes_result_free(rest);
    }
    PanoptesStats stats;
    if (!problem && panoptes_stats(perception, &stats) == PANOPTES_OK) {
        printf("%llu frame sets formed (%llu partial), %llu with results, %llu failed, %llu "
               "dropped\n",
               (unsigned long long)stats.frame_sets, (unsigned long long)stats.partial_sets,
               (unsigned long long)stats.results, (unsigned long long)stats.failed,
               (unsigned long long)stats.dropped);
        printf("capture to result p50 %.1f ms, p99 %.1f ms\n", stats.latency_p50_ms,
               stats.latency_p99_ms);
    }
    panoptes_free(perception);
    return problem;
}
