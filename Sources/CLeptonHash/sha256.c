// SHA-256 for content hashing: the block functions are the CPU's SHA extensions where it has
// them, else a portable one; on Linux x86-64 both come from sha256_blocks_x86_64.S (generated
// with -O3 from generate/sha256_blocks.c), so the speed does not depend on the build
// configuration. This file only buffers and pads; its per-call cost is small.

#include "lepton_sha256.h"

#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>

void lepton_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks);
void lepton_sha256_blocks_generic(uint32_t state[8], const uint8_t *data, size_t blocks);

typedef void (*lepton_sha256_blocks_fn)(uint32_t state[8], const uint8_t *data, size_t blocks);

static int lepton_has_sha_extensions(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return sse41 && ssse3 && ((b >> 29) & 1);
}

static _Atomic(lepton_sha256_blocks_fn) lepton_chosen = 0;

static lepton_sha256_blocks_fn lepton_sha256_blocks(void) {
    lepton_sha256_blocks_fn fn = lepton_chosen;
    if (!fn) {
        fn = lepton_has_sha_extensions() ? lepton_sha256_blocks_ni : lepton_sha256_blocks_generic;
        lepton_chosen = fn;
    }
    return fn;
}

void lepton_sha256_prefer_generic(int generic) {
    lepton_chosen = generic ? lepton_sha256_blocks_generic : 0;
}

const char *lepton_sha256_implementation(void) {
    return lepton_sha256_blocks() == lepton_sha256_blocks_ni ? "sha-ni" : "generic";
}

#define LEPTON_BLOCKS(state, data, blocks) lepton_sha256_blocks()(state, data, blocks)
#else
#include "generate/sha256_generic.inc"
const char *lepton_sha256_implementation(void) { return "generic"; }
void lepton_sha256_prefer_generic(int generic) { (void)generic; }
#define LEPTON_BLOCKS(state, data, blocks) lepton_sha256_blocks_portable(state, data, blocks)
#endif

void lepton_sha256_init(lepton_sha256_ctx *ctx) {
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->state, initial, sizeof initial);
    ctx->length = 0;
    ctx->used = 0;
}

void lepton_sha256_update(lepton_sha256_ctx *ctx, const void *data, size_t length) {
    const uint8_t *bytes = data;
    ctx->length += length;
    if (ctx->used > 0) {
        size_t take = 64 - ctx->used < length ? 64 - ctx->used : length;
        memcpy(ctx->buffer + ctx->used, bytes, take);
        ctx->used += (uint32_t)take;
        bytes += take;
        length -= take;
        if (ctx->used < 64) return;
        LEPTON_BLOCKS(ctx->state, ctx->buffer, 1);
        ctx->used = 0;
    }
    if (length >= 64) {
        size_t blocks = length / 64;
        LEPTON_BLOCKS(ctx->state, bytes, blocks);
        bytes += blocks * 64;
        length -= blocks * 64;
    }
    if (length > 0) {
        memcpy(ctx->buffer, bytes, length);
        ctx->used = (uint32_t)length;
    }
}

void lepton_sha256_final(lepton_sha256_ctx *ctx, uint8_t digest[32]) {
    uint64_t bits = ctx->length * 8;
    uint8_t pad[72] = {0x80};
    size_t padding = (ctx->used < 56 ? 56 : 120) - ctx->used;
    uint8_t length[8];
    for (int i = 0; i < 8; i++) length[i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t saved = ctx->length;
    lepton_sha256_update(ctx, pad, padding);
    lepton_sha256_update(ctx, length, 8);
    ctx->length = saved;
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)ctx->state[i];
    }
}
