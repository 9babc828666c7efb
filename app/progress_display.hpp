#pragma once
// Progress of a long copy on stderr: a bar redrawn in place on a terminal (at most ten
// times a second), one plain line per finished file otherwise (logs, CI).

#include <chrono>
#include <cstdint>
#include <string>

namespace jetstrand::cli {

class progress_display {
 public:
  progress_display();
  void set_total(std::uint64_t bytes) { total_ = bytes; }
  void advance(const std::string& file, std::uint64_t bytes);
  void file_done(const std::string& file, std::uint64_t size);
  void finish();  // ends the bar's line

 private:
  void draw(const std::string& file);
  bool terminal_;
  std::uint64_t total_ = 0, done_ = 0;
  std::size_t files_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace jetstrand::cli
