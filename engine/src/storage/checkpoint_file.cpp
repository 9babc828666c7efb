#include "storage/checkpoint_file.hpp"

#include "io/posix.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "storage/byte_io.hpp"


namespace jetstrand::storage {
namespace {
constexpr std::string_view magic = "JETSCKP1";
}

std::optional<checkpoint_state> read_checkpoint(const std::filesystem::path& file,
                                                boost::system::error_code& ec) {
  ec.clear();
  std::string data;
  if (auto rec = io::posix::read_file(file, data)) {
    // No checkpoint yet is not an error; any other failure (out of descriptors) is.
    if (rec != boost::system::errc::no_such_file_or_directory) ec = rec;
    return std::nullopt;
  }
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

  // A short write (disk full) is an error here, and so is every failed sync.
  return io::posix::write_file_atomically(file, data);
}

}  // namespace jetstrand::storage
