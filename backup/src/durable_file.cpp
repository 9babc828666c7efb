#include "durable_file.hpp"

#include "io/posix.hpp"

#include <fcntl.h>

#include <vector>

namespace jetstrand::backup::detail {

namespace posix = io::posix;
using boost::system::error_code;

error_code copy_file_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  posix::unique_fd in, out;
  if (auto ec = posix::open(from, O_RDONLY, in)) return ec;
  if (auto ec = posix::open(to, O_WRONLY | O_CREAT | O_EXCL, out)) return ec;
  std::vector<unsigned char> buf(1 << 20);
  while (true) {
    std::size_t n = 0;
    if (auto ec = posix::read_some(in.get(), buf.data(), buf.size(), n)) return ec;
    if (n == 0) break;
    if (auto ec = posix::write_all(out.get(), buf.data(), n)) return ec;
  }
  if (auto ec = posix::sync_data(out.get())) return ec;
  return out.close();
}

}  // namespace jetstrand::backup::detail
