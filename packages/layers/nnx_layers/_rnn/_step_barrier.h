/* A spin barrier and work claims for the two threads of a split recurrent step (_split.pyx).
 *
 * Why not a pthread barrier or a condition variable: a split medium LSTM step takes ~80 us
 * and the threads meet after every one of them; a futex wake-up costs several microseconds
 * and a sleeping thread loses its core's warm state, a spin costs ~0.1 us.  After a few
 * thousand spins a waiter yields its core, so that a descheduled partner (a busy host, more
 * threads than cores) gets to run instead of the waiter burning the slice.
 *
 * The words live in an int32 array the Python side allocates once per call (so a crash
 * leaves nothing global behind): NNX_SYNC_WORDS ints, arrival count, generation and abort
 * flag each on their own 64-byte line.  Once any thread calls nnx_barrier_abort, every wait
 * returns -1 at once: a part that fails before or during its loop releases its partner.
 */
#ifndef NNX_RNN_STEP_BARRIER_H
#define NNX_RNN_STEP_BARRIER_H

#include <stdint.h>

#if defined(_WIN32)
#include <windows.h>
#define NNX_YIELD() SwitchToThread()
#else
#include <sched.h>
#define NNX_YIELD() sched_yield()
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NNX_PAUSE() _mm_pause()
#else
#define NNX_PAUSE() ((void)0)
#endif

enum { NNX_SYNC_ARRIVED = 0, NNX_SYNC_GENERATION = 16, NNX_SYNC_ABORT = 32,
       NNX_SYNC_WORDS = 48 };
#define NNX_SPINS_BEFORE_YIELD 4096

/* Wait until `parties` threads have arrived; 0, or -1 once the barrier is aborted. */
static int nnx_barrier_wait(int *sync, int parties)
{
    int generation = __atomic_load_n(sync + NNX_SYNC_GENERATION, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(sync + NNX_SYNC_ABORT, __ATOMIC_ACQUIRE))
        return -1;
    if (__atomic_add_fetch(sync + NNX_SYNC_ARRIVED, 1, __ATOMIC_ACQ_REL) == parties) {
        /* last in: reset the count before the others can come back for the next round */
        __atomic_store_n(sync + NNX_SYNC_ARRIVED, 0, __ATOMIC_RELAXED);
        __atomic_store_n(sync + NNX_SYNC_GENERATION, generation + 1, __ATOMIC_RELEASE);
        return 0;
    }
    for (long spins = 0;
         __atomic_load_n(sync + NNX_SYNC_GENERATION, __ATOMIC_ACQUIRE) == generation; spins++) {
        if (__atomic_load_n(sync + NNX_SYNC_ABORT, __ATOMIC_ACQUIRE))
            return -1;
        if (spins < NNX_SPINS_BEFORE_YIELD)
            NNX_PAUSE();
        else
            NNX_YIELD();
    }
    return 0;
}

static void nnx_barrier_abort(int *sync)
{
    __atomic_store_n(sync + NNX_SYNC_ABORT, 1, __ATOMIC_RELEASE);
}

/* A step's chunks of work [front, back), packed as back << 32 | front: part 0 takes them
 * from the front, part 1 from the back, so that each does its own half while the two run
 * at one speed and the faster one takes the rest when they do not (a host that slows one
 * of its cores).  Returns the chunk taken, or -1 when none is left. */
static int nnx_claim(int64_t *word, int from_back)
{
    int64_t seen = __atomic_load_n(word, __ATOMIC_RELAXED);
    for (;;) {
        int32_t front = (int32_t)(seen & 0xffffffff), back = (int32_t)(seen >> 32);
        if (front >= back)
            return -1;
        int64_t next = from_back ? ((int64_t)(back - 1) << 32) | (uint32_t)front
                                 : ((int64_t)back << 32) | (uint32_t)(front + 1);
        if (__atomic_compare_exchange_n(word, &seen, next, 1, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return from_back ? back - 1 : front;
    }
}

#endif
