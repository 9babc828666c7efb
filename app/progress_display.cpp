#include "progress_display.hpp"

#include "human_units.hpp"

#include <algorithm>
#include <cstdio>
#include <sys/ioctl.h>
#include <unistd.h>

namespace jetstrand::cli {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(100);
constexpr auto plain_line_interval = std::chrono::seconds(5);

std::size_t terminal_columns() {
  winsize w{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 80;
}

}  // namespace

progress_display::progress_display() : terminal_(::isatty(STDERR_FILENO) == 1) {}

double progress_display::rate() const {
  const double s = std::chrono::duration<double>(clock::now() - started_).count();
  return s > 0.05 ? static_cast<double>(done_) / s : 0.0;
}

std::string progress_display::render_line(std::uint64_t done, std::uint64_t total, double rate,
                                          const std::string& file, std::size_t columns) {
  total = std::max(total, done);
  const double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  char pct[8];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  std::string numbers = std::string(pct) + "  " + human_bytes(done) + " of " + human_bytes(total);
  std::string speed;
  if (rate > 0) {
    speed = "  " + human_rate(rate);
    if (total > done) speed += ", " + human_duration(static_cast<double>(total - done) / rate) + " left";
  }
  const std::size_t room = columns > 1 ? columns - 1 : 0;  // the last column would wrap
  // Most important first: the numbers, then the rate, then the bar, then the file name.
  std::string line = numbers;
  if (line.size() + speed.size() <= room) line += speed;
  const std::size_t bar_width = std::min<std::size_t>(30, room > line.size() + 3 ? room - line.size() - 3 : 0);
  if (bar_width >= 10) {
    const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(bar_width));
    line = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] " + line;
  }
  if (!file.empty() && line.size() + 2 + std::min<std::size_t>(file.size(), 10) <= room) {
    std::string name = file;
    const std::size_t space = room - line.size() - 2;
    if (name.size() > space) name = "..." + name.substr(name.size() - (space - 3));
    line += "  " + name;
  }
  if (line.size() > room) line.resize(room);
  return line;
}

void progress_display::advance(const std::string& file, std::uint64_t bytes) {
  done_ += bytes;
  const auto now = clock::now();
  if (!terminal_) {
    if (now - last_line_ >= plain_line_interval) {
      last_line_ = now;
      std::fprintf(stderr, "%s of %s (%s), copying %s\n", human_bytes(done_).c_str(),
                   human_bytes(std::max(total_, done_)).c_str(), human_rate(rate()).c_str(), file.c_str());
    }
    return;
  }
  if (drawn_ && now - last_draw_ < redraw_interval) return;
  last_draw_ = now;
  draw(file);
}

void progress_display::draw(const std::string& file) {
  // Clear to the end of the line: a shorter line must not leave the old one's tail.
  std::fprintf(stderr, "\r%s\033[K", render_line(done_, total_, rate(), file, terminal_columns()).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void progress_display::file_done(const std::string& file, std::uint64_t size) {
  ++files_;
  if (terminal_) return draw(file);
  last_line_ = clock::now();
  const double r = rate();
  std::fprintf(stderr, "copied %s (%s; %s of %s so far%s)\n", file.c_str(), human_bytes(size).c_str(),
               human_bytes(done_).c_str(), human_bytes(std::max(total_, done_)).c_str(),
               r > 0 ? (", " + human_rate(r)).c_str() : "");
}

void progress_display::note(const std::string& text) {
  if (terminal_ && drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
  std::fprintf(stderr, "%s\n", text.c_str());
}

void progress_display::finish() {
  if (terminal_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace jetstrand::cli
