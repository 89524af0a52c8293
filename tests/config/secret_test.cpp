// config::secret: where values come from, what origin() says, and that the
// value leaves only through reveal().

#include "config/secret.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <type_traits>

#include <unistd.h>

namespace quarry::config {
namespace {

namespace fs = std::filesystem;

// A secret cannot become a string or be streamed without reveal().
static_assert(!std::is_convertible_v<secret, std::string>);
static_assert(!std::is_convertible_v<secret, std::string_view>);
template <class T>
concept streamable = requires(std::ostream& os, const T& t) { os << t; };
static_assert(!streamable<secret>);
static_assert(streamable<std::string>);
static_assert(!std::is_default_constructible_v<secret>);

// A scratch file removed when the test ends.
struct scratch_file {
  fs::path path;
  explicit scratch_file(const std::string& contents) {
    static int serial = 0;
    path = fs::temp_directory_path() / ("quarry_secret_test_" + std::to_string(::getpid()) +
                                        "_" + std::to_string(++serial));
    std::ofstream(path, std::ios::binary) << contents;
  }
  ~scratch_file() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

TEST(config_secret, from_env_reads_the_variable) {
  ::setenv("QUARRY_SECRET_TEST_VAR", "s3cret", 1);
  const auto s = secret::from_env("QUARRY_SECRET_TEST_VAR");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->reveal(), "s3cret");
  EXPECT_EQ(s->origin(), "env:QUARRY_SECRET_TEST_VAR");
}

TEST(config_secret, from_env_rejects_unset_and_empty) {
  ::unsetenv("QUARRY_SECRET_TEST_UNSET");
  ::setenv("QUARRY_SECRET_TEST_EMPTY", "", 1);
  const auto unset = secret::from_env("QUARRY_SECRET_TEST_UNSET");
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().message, "environment variable QUARRY_SECRET_TEST_UNSET is not set");
  EXPECT_EQ(unset.error().kind, error_kind::fatal);
  const auto empty = secret::from_env("QUARRY_SECRET_TEST_EMPTY");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "environment variable QUARRY_SECRET_TEST_EMPTY is empty");
}

struct file_case {
  const char* name;
  std::string contents;
  std::string value;  // "" = expect failure
};

const file_case file_cases[] = {
    {"no_newline", "abc", "abc"},
    {"one_newline", "abc\n", "abc"},
    {"crlf", "abc\r\n", "abc"},
    {"only_one_newline_stripped", "abc\n\n", "abc\n"},
    {"inner_newlines_kept", "-----BEGIN-----\nxyz\n-----END-----\n",
     "-----BEGIN-----\nxyz\n-----END-----"},
    {"leading_space_kept", " abc \n", " abc "},
    {"empty_file", "", ""},
    {"just_a_newline", "\n", ""},
};

std::ostream& operator<<(std::ostream& os, const file_case& c) { return os << c.name; }

class config_secret_file : public ::testing::TestWithParam<file_case> {};

TEST_P(config_secret_file, strips_one_trailing_newline) {
  const scratch_file file(GetParam().contents);
  const auto s = secret::from_file(file.path.string());
  if (GetParam().value.empty()) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message, "secret file " + file.path.string() + " is empty");
    return;
  }
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->reveal(), GetParam().value);
  EXPECT_EQ(s->origin(), "file:" + file.path.string());
}

INSTANTIATE_TEST_SUITE_P(config, config_secret_file, ::testing::ValuesIn(file_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(config_secret, from_file_names_path_and_reason) {
  const std::string missing = "/nonexistent/quarry/secret";
  const auto s = secret::from_file(missing);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message,
            "cannot read secret file /nonexistent/quarry/secret: No such file or directory");
  const auto dir = secret::from_file(fs::temp_directory_path().string());
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("Is a directory"), std::string::npos) << dir.error().message;
}

TEST(config_secret, from_file_rejects_huge_files) {
  const scratch_file file(std::string((1 << 20) + 1, 'x'));
  const auto s = secret::from_file(file.path.string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "secret file " + file.path.string() + " is larger than 1 MiB");
}

TEST(config_secret, property_value_reveals_either_form) {
  ::setenv("QUARRY_SECRET_TEST_VAR", "s3cret", 1);
  const property_value plain(std::string("PLAIN"));
  EXPECT_FALSE(plain.is_secret());
  EXPECT_EQ(plain.as_secret(), nullptr);
  EXPECT_EQ(plain.reveal(), "PLAIN");
  const property_value hidden(secret::from_env("QUARRY_SECRET_TEST_VAR").value());
  EXPECT_TRUE(hidden.is_secret());
  ASSERT_NE(hidden.as_secret(), nullptr);
  EXPECT_EQ(hidden.as_secret()->origin(), "env:QUARRY_SECRET_TEST_VAR");
  EXPECT_EQ(hidden.reveal(), "s3cret");
}

} // namespace
} // namespace quarry::config
