#include "progress_display.hpp"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace jetstrand::cli {

progress_display::progress_display() : terminal_(::isatty(STDERR_FILENO) == 1) {}

void progress_display::advance(const std::string& file, std::uint64_t bytes) {
  done_ += bytes;
  if (!terminal_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(file);
}

void progress_display::draw(const std::string& file) {
  const std::uint64_t total = std::max(total_, done_);
  const double fraction = total ? static_cast<double>(done_) / static_cast<double>(total) : 0.0;
  constexpr int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  std::fprintf(stderr, "\r[%s] %3d%%  %.1f/%.1f MiB  %-24.24s", bar.c_str(), static_cast<int>(fraction * 100),
               static_cast<double>(done_) / 1048576.0, static_cast<double>(total) / 1048576.0, file.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void progress_display::file_done(const std::string& file, std::uint64_t size) {
  ++files_;
  if (terminal_) return draw(file);
  std::fprintf(stderr, "copied %s (%llu bytes; %llu of %llu bytes so far)\n", file.c_str(),
               static_cast<unsigned long long>(size), static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(std::max(total_, done_)));
}

void progress_display::finish() {
  if (terminal_ && drawn_) std::fprintf(stderr, "\n");
}

}  // namespace jetstrand::cli
