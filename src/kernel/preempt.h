// preempt_count: the bit layout of include/linux/preempt.h, drawn once, with
// every mask derived from the BITS constants, and the context predicates.
#pragma once

#include <cstdint>

namespace preemptsim {

// PREEMPT_MASK:   0x000000ff   preemption-disable depth
// SOFTIRQ_MASK:   0x0000ff00   bit 8 = serving softirqs, +0x200 per local_bh_disable
// HARDIRQ_MASK:   0x000f0000   hard interrupt nesting
// NMI_MASK:       0x00f00000   NMI nesting (4 bits since 2020; the seeds' "bit 20" is its first bit)
// PREEMPT_NEED_RESCHED 0x80000000 (x86: folded TIF_NEED_RESCHED, stored inverted)
inline constexpr std::uint32_t PREEMPT_BITS = 8;
inline constexpr std::uint32_t SOFTIRQ_BITS = 8;
inline constexpr std::uint32_t HARDIRQ_BITS = 4;
inline constexpr std::uint32_t NMI_BITS = 4;

inline constexpr std::uint32_t PREEMPT_SHIFT = 0;
inline constexpr std::uint32_t SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS;
inline constexpr std::uint32_t HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS;
inline constexpr std::uint32_t NMI_SHIFT = HARDIRQ_SHIFT + HARDIRQ_BITS;

constexpr std::uint32_t preempt_mask_of(std::uint32_t bits, std::uint32_t shift) { return ((1u << bits) - 1) << shift; }
inline constexpr std::uint32_t PREEMPT_MASK = preempt_mask_of(PREEMPT_BITS, PREEMPT_SHIFT);
inline constexpr std::uint32_t SOFTIRQ_MASK = preempt_mask_of(SOFTIRQ_BITS, SOFTIRQ_SHIFT);
inline constexpr std::uint32_t HARDIRQ_MASK = preempt_mask_of(HARDIRQ_BITS, HARDIRQ_SHIFT);
inline constexpr std::uint32_t NMI_MASK = preempt_mask_of(NMI_BITS, NMI_SHIFT);

inline constexpr std::uint32_t PREEMPT_OFFSET = 1u << PREEMPT_SHIFT;
inline constexpr std::uint32_t SOFTIRQ_OFFSET = 1u << SOFTIRQ_SHIFT;
inline constexpr std::uint32_t HARDIRQ_OFFSET = 1u << HARDIRQ_SHIFT;
inline constexpr std::uint32_t NMI_OFFSET = 1u << NMI_SHIFT;
inline constexpr std::uint32_t SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;
inline constexpr std::uint32_t PREEMPT_NEED_RESCHED = 0x80000000u;
// __schedule runs with preempt_disable() + the rq lock: finish_task_switch checks 2.
inline constexpr std::uint32_t PREEMPT_DISABLE_OFFSET = PREEMPT_OFFSET;
inline constexpr std::uint32_t PREEMPT_DISABLED = PREEMPT_DISABLE_OFFSET;
inline constexpr std::uint32_t SCHED_SWITCH_COUNT = 2 * PREEMPT_DISABLE_OFFSET;

static_assert(PREEMPT_MASK == 0x000000ffu && SOFTIRQ_MASK == 0x0000ff00u);
static_assert(HARDIRQ_MASK == 0x000f0000u && NMI_MASK == 0x00f00000u);
static_assert(HARDIRQ_OFFSET == 0x10000u && NMI_OFFSET == 0x100000u && SOFTIRQ_DISABLE_OFFSET == 0x200u);

// Predicates of include/linux/preempt.h on a count value (without the resched bit).
constexpr bool in_nmi(std::uint32_t pc) { return pc & NMI_MASK; }
constexpr bool in_hardirq(std::uint32_t pc) { return pc & HARDIRQ_MASK; }
constexpr bool in_serving_softirq(std::uint32_t pc) { return pc & SOFTIRQ_OFFSET; }
constexpr bool in_softirq(std::uint32_t pc) { return pc & SOFTIRQ_MASK; }
constexpr bool in_interrupt(std::uint32_t pc) { return pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK); }
constexpr bool in_task(std::uint32_t pc) { return !(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)); }
constexpr bool in_atomic(std::uint32_t pc) { return pc != 0; }

}  // namespace preemptsim
