#pragma once

// A fresh directory under gtest's temp dir ($TMPDIR), removed with the object.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace safeshare::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "unit") {
    std::string dir = (std::filesystem::path(::testing::TempDir()) / (prefix + "-XXXXXX")).string();
    if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed in " + dir);
    path_ = dir;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

  // Writes `bytes` to `name` in the directory; returns the file's path.
  std::filesystem::path Write(const std::string& name, const std::string& bytes) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace safeshare::testing
