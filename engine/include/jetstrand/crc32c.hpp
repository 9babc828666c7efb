#pragma once
// CRC32C (Castagnoli), the page and log checksum. Uses the SSE4.2 crc32 instruction where the
// CPU has it (checked once at start-up), else a table-driven fallback.

#include <cstddef>
#include <cstdint>

namespace jetstrand {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t seed = 0) noexcept;

// Whether the hardware path is in use (for benchmarks and diagnostics).
bool crc32c_hardware() noexcept;

}  // namespace jetstrand
