#pragma once
// Progress of a long copy on stderr. On a terminal: one line redrawn in place (at most ten
// times a second) that always fits the terminal's width: a bar, the percentage, bytes done
// of total, the rate and the time left, and the file, each dropped when there is no room.
// Otherwise (logs, CI): a line per finished file and one every few seconds in between.

#include <chrono>
#include <cstdint>
#include <string>

namespace jetstrand::cli {

class progress_display {
 public:
  using clock = std::chrono::steady_clock;

  progress_display();
  void set_total(std::uint64_t bytes) { total_ = bytes; }
  void advance(const std::string& file, std::uint64_t bytes);
  void file_done(const std::string& file, std::uint64_t size);
  void finish();  // ends the bar's line
  // A line of its own (a resumed download, say); on a terminal the bar is redrawn below it.
  void note(const std::string& text);

  // The line drawn for a terminal `columns` wide (never more than columns - 1 characters,
  // so no terminal wraps it); exposed for tests.
  static std::string render_line(std::uint64_t done, std::uint64_t total, double rate,
                                 const std::string& file, std::size_t columns);

 private:
  void draw(const std::string& file);
  double rate() const;  // bytes per second since the start
  bool terminal_;
  std::uint64_t total_ = 0, done_ = 0;
  std::size_t files_ = 0;
  clock::time_point started_ = clock::now();
  clock::time_point last_draw_{};
  clock::time_point last_line_ = clock::now();
  bool drawn_ = false;
};

}  // namespace jetstrand::cli
