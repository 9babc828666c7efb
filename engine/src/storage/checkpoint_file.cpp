#include "storage/checkpoint_file.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "storage/byte_io.hpp"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace jetstrand::storage {
namespace {
constexpr std::string_view magic = "JETSCKP1";
}

std::optional<checkpoint_state> read_checkpoint(const std::filesystem::path& file,
                                                boost::system::error_code& ec) {
  ec.clear();
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  byte_reader r(data.data(), data.size());
  std::string m;
  std::uint32_t crc, count;
  checkpoint_state s;
  if (data.size() < 4 || !r.number(crc) ||
      crc != crc32c(data.data() + 4, data.size() - 4) || !r.bytes(magic.size(), m) ||
      m != magic || !r.number(s.generation) || !r.number(count)) {
    ec = jet_errc::disk_io;
    return std::nullopt;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t len;
    std::string name;
    if (!r.number(len) || !r.bytes(len, name)) {
      ec = jet_errc::disk_io;
      return std::nullopt;
    }
    s.databases.push_back(std::move(name));
  }
  return s;
}

boost::system::error_code write_checkpoint(const std::filesystem::path& file,
                                           const checkpoint_state& state) {
  std::string body;
  byte_writer w(body);
  w.bytes(magic);
  w.number(state.generation);
  w.number(static_cast<std::uint32_t>(state.databases.size()));
  for (const auto& d : state.databases) {
    w.number(static_cast<std::uint16_t>(d.size()));
    w.bytes(d);
  }
  std::string data;
  byte_writer(data).number(crc32c(body.data(), body.size()));
  data += body;

  auto tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {errno, boost::system::system_category()};
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return {err, boost::system::system_category()};
  if (::rename(tmp.c_str(), file.c_str()) != 0) return {errno, boost::system::system_category()};
  int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace jetstrand::storage
