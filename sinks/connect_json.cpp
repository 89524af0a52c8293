#include "sinks/connect_json.hpp"

#include "connectors/core/json_text.hpp"
#include "connectors/core/timestamp.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace quarry::sinks::connect {
namespace detail {

// How one value is checked and written.
enum class kind : std::uint8_t {
  string,     // a JSON string, copied
  text,       // a string; any other value as its JSON text
  int64,      // an integral number within int64
  float64,    // any number within double
  boolean,
  timestamp,  // a date-time string -> epoch ms
  date,       // a date string -> epoch days
  structure,  // child: index into plan::structs
  map,        // child: index into plan::types of the values
  array,      // child: index into plan::types of the items
  json,       // any value as its compact JSON text (nested::json)
};

struct type {
  kind k = kind::text;
  std::uint32_t child = 0;
};

struct field {
  std::string name;
  std::uint32_t type = 0;
  int required_bit = -1;  // its bit among the struct's required fields, or -1 (optional)
};

struct name_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct structure {
  std::vector<field> fields;
  std::unordered_map<std::string, std::uint32_t, name_hash, std::equal_to<>> index;
  // next[i]: the field that followed field i in a recent record (i =
  // fields.size(): the first one), tried before `index`, since a stream's
  // records mostly share one order. A guess shared by all threads: relaxed.
  std::unique_ptr<std::atomic<std::uint32_t>[]> next;
  int required = 0;   // fields with a required_bit
  bool extra = true;  // ends with _quarry_extra (all but the key struct)
};

struct plan {
  std::string name;
  std::vector<type> types;
  std::vector<structure> structs;
  std::uint32_t value_type = 0, key_type = 0;
  std::string value_schema, key_schema;
  std::string value_prefix, key_prefix;  // {"schema":<schema>,"payload":
};

} // namespace detail

namespace {

using detail::kind;
using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

constexpr int max_depth = 512;
constexpr std::int64_t ms_per_day = 86'400'000;

// How many bytes from p on (at most n) need no look inside a JSON string:
// no quote, backslash, control character or non-ASCII byte.
std::size_t plain_run(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
    if (const int mask = _mm_movemask_epi8(special); mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
  }
  return i;
}

// How many bytes from p on (at most n) of valid JSON text are neither a
// quote, a backslash nor a byte up to 0x20 (a space, or whitespace between
// tokens).
std::size_t text_run(const char* p, std::size_t n) {
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Unsigned v <= 0x20: max(v, 0x20) == 0x20.
    const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                         _mm_cmpeq_epi8(_mm_max_epu8(v, space), space));
    if (const int mask = _mm_movemask_epi8(special); mask != 0)
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c <= 0x20 || c == '"' || c == '\\') break;
  }
  return i;
}

// ---------------------------------------------------------------- make()

class schema_builder {
 public:
  schema_builder(detail::plan& p, timestamps ts, nested n) : p_(p), ts_(ts), nested_(n) {}

  // The type of a property, its Connect schema without "optional", and
  // whether the property allows null. With `whole`, an object or an array
  // is one kind::json value.
  result<std::uint32_t> translate(const json& prop, ordered& schema, bool& nullable, int depth, bool whole = false) {
    if (depth > 64) return make_error(error_kind::fatal, p_.name + ": JSON Schema nested deeper than 64 levels");
    nullable = true;
    if (!prop.is_object()) return text(schema);
    std::vector<std::string> names;
    if (const auto t = prop.find("type"); t != prop.end()) {
      nullable = false;
      for (const auto& n : t->is_array() ? *t : json::array({*t})) {
        if (!n.is_string()) continue;
        if (n == "null") nullable = true;
        else names.push_back(n.get<std::string>());
      }
    }
    if (names.size() != 1) {
      nullable = true;
      return text(schema);
    }
    const std::string& n = names.front();
    if (n == "string") {
      const std::string format = prop.value("format", std::string{});
      if (ts_ == timestamps::logical && format == "date-time") return scalar(kind::timestamp, "int64", schema);
      if (ts_ == timestamps::logical && format == "date") return scalar(kind::date, "int32", schema);
      return scalar(kind::string, "string", schema);
    }
    if (n == "integer") return scalar(kind::int64, "int64", schema);
    if (n == "number") return scalar(kind::float64, "double", schema);
    if (n == "boolean") return scalar(kind::boolean, "boolean", schema);
    if (whole && (n == "object" || n == "array")) return scalar(kind::json, "string", schema);
    if (n == "object") {
      const auto props = prop.find("properties");
      if (props != prop.end() && props->is_object() && !props->empty())
        return structure(*props, prop.value("required", json::array()), {}, true, schema, depth);
      const auto extra = prop.find("additionalProperties");
      return container(kind::map, extra != prop.end() && extra->is_object() ? *extra : json(), schema, depth);
    }
    if (n == "array") {
      const auto items = prop.find("items");
      return container(kind::array, items != prop.end() && items->is_object() ? *items : json(), schema, depth);
    }
    nullable = true;
    return text(schema);
  }

  // A struct of `props`: required are the key fields and the non-nullable
  // properties named in `required`; with `extra`, a last _quarry_extra field.
  // Depth 0 is the record: with nested::json, its objects and arrays other
  // than key fields are kind::json.
  result<std::uint32_t> structure(const json& props, const json& required, const std::vector<std::string>& keys,
                                  bool extra, ordered& schema, int depth) {
    const auto index = static_cast<std::uint32_t>(p_.structs.size());
    p_.structs.emplace_back();
    detail::structure s;
    s.extra = extra;
    ordered fields = ordered::array();
    for (const auto& [name, prop] : props.items()) {
      if (name == extra_field)
        return make_error(error_kind::fatal, p_.name + ": the JSON Schema has a property named " +
                                                 std::string{extra_field} + ", the name quarry keeps for "
                                                 "values the schema cannot type");
      ordered f;
      bool nullable = true;
      const bool key = std::find(keys.begin(), keys.end(), name) != keys.end();
      auto t = translate(prop, f, nullable, depth + 1, depth == 0 && nested_ == nested::json && !key);
      if (!t) return std::move(t).error();
      const bool listed = required.is_array() && std::find(required.begin(), required.end(), name) != required.end();
      add_field(s, f, name, *t, key || (listed && !nullable), prop);
      fields.push_back(std::move(f));
    }
    if (extra) {
      ordered f = {{"type", "map"},
                   {"keys", {{"type", "string"}, {"optional", false}}},
                   {"values", {{"type", "string"}, {"optional", true}}},
                   {"optional", true},
                   {"field", extra_field}};
      fields.push_back(std::move(f));
    }
    schema = {{"type", "struct"}, {"fields", std::move(fields)}};
    start_guesses(s);
    p_.structs[index] = std::move(s);
    return add_type(kind::structure, index);
  }

  // Adds `name` of type `t` to `s`; completes its schema `f`.
  void add_field(detail::structure& s, ordered& f, const std::string& name, std::uint32_t t, bool required,
                 const json& prop) {
    detail::field fd{name, t, required ? s.required++ : -1};
    finish(f, !required, p_.types[t].k);
    if (prop.is_object())
      if (const auto doc = prop.find("description"); doc != prop.end() && doc->is_string()) f["doc"] = *doc;
    f["field"] = name;
    s.index.emplace(name, static_cast<std::uint32_t>(s.fields.size()));
    s.fields.push_back(std::move(fd));
  }

  // The order guesses of a complete struct: the schema's order.
  static void start_guesses(detail::structure& s) {
    const std::size_t n = s.fields.size();
    s.next = std::make_unique<std::atomic<std::uint32_t>[]>(n + 1);
    for (std::size_t i = 0; i < n; ++i) s.next[i].store(static_cast<std::uint32_t>(i + 1));
    s.next[n].store(0);
  }

  // "optional", and "name"/"version" of a logical type, after the type.
  static void finish(ordered& schema, bool optional, kind k) {
    schema["optional"] = optional;
    if (k == kind::timestamp) schema["name"] = "org.apache.kafka.connect.data.Timestamp";
    if (k == kind::date) schema["name"] = "org.apache.kafka.connect.data.Date";
    if (k == kind::json) schema["name"] = "io.debezium.data.Json";
    if (k == kind::timestamp || k == kind::date || k == kind::json) schema["version"] = 1;
  }

  std::uint32_t add_type(kind k, std::uint32_t child = 0) {
    p_.types.push_back({k, child});
    return static_cast<std::uint32_t>(p_.types.size() - 1);
  }

 private:
  result<std::uint32_t> scalar(kind k, const char* connect_type, ordered& schema) {
    schema = {{"type", connect_type}};
    return add_type(k);
  }

  result<std::uint32_t> text(ordered& schema) { return scalar(kind::text, "string", schema); }

  // A map's values or an array's items: `element` (null: text), always optional.
  result<std::uint32_t> container(kind k, const json& element, ordered& schema, int depth) {
    ordered e;
    bool nullable = true;
    auto t = element.is_null() ? text(e) : translate(element, e, nullable, depth + 1);
    if (!t) return std::move(t).error();
    finish(e, true, p_.types[*t].k);
    if (k == kind::map)
      schema = {{"type", "map"}, {"keys", {{"type", "string"}, {"optional", false}}}, {"values", std::move(e)}};
    else
      schema = {{"type", "array"}, {"items", std::move(e)}};
    return add_type(k, *t);
  }

  detail::plan& p_;
  timestamps ts_;
  nested nested_;
};

// ---------------------------------------------------------------- writing

enum class outcome : std::uint8_t { ok, misfit, invalid };

// One value() or key() call: a recursive descent over `in` that validates
// the JSON and writes the payload into `out` as it goes. A value that does
// not fit is rolled back by its struct, which re-reads it as raw text for
// _quarry_extra (or fails when the field is required).
class payload_writer {
 public:
  payload_writer(const detail::plan& p, std::string_view in, std::string& out) : p_(p), in_(in), out_(out) {}

  outcome top(std::uint32_t struct_index) {
    ws();
    if (pos_ == in_.size()) return invalid("empty text");
    if (in_[pos_] != '{') {
      why_ = "the text is " + std::string{found()} + ", not an object";
      return skip(0) == outcome::invalid ? outcome::invalid : outcome::misfit;
    }
    const auto r = write_struct(p_.structs[struct_index], 0);
    if (r != outcome::ok) return r;
    ws();
    if (pos_ != in_.size()) return invalid("text after the object");
    return outcome::ok;
  }

  std::string error_text() const {
    if (invalid_)
      return "not valid JSON (" + std::string{invalid_what_} + " at byte " + std::to_string(invalid_at_) + ")";
    if (path_.empty()) return why_;
    return (unknown_key_field_ ? "field " : "required field ") + path_ + ": " + why_;
  }

 private:
  // ---- scanning

  void ws() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\n' || in_[pos_] == '\r' || in_[pos_] == '\t'))
      ++pos_;
  }
  char peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }

  outcome invalid(std::string_view what) {
    invalid_ = true;
    invalid_what_ = what;
    invalid_at_ = pos_;
    return outcome::invalid;
  }

  // A string token at pos_ (its quotes included): pos_ moves past it.
  bool string_token(std::string_view& token, bool& escaped) {
    const std::size_t start = pos_;
    escaped = false;
    for (std::size_t i = pos_ + 1; i < in_.size(); ++i) {
      i += plain_run(in_.data() + i, in_.size() - i);
      if (i == in_.size()) break;
      const auto c = static_cast<unsigned char>(in_[i]);
      if (c == '"') {
        pos_ = i + 1;
        token = in_.substr(start, pos_ - start);
        return true;
      }
      if (c < 0x20) {
        pos_ = i;
        invalid("a control character in a string");
        return false;
      }
      if (c >= 0x80) {
        const std::size_t n = connectors::json_text::utf8_length(in_, i);
        if (n == 0) {
          pos_ = i;
          invalid("a byte that is not UTF-8");
          return false;
        }
        i += n - 1;
        continue;
      }
      if (c == '\\') {
        escaped = true;
        if (++i == in_.size()) break;
        const char e = in_[i];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i == in_.size() || !std::isxdigit(static_cast<unsigned char>(in_[i]))) {
              pos_ = i;
              invalid("a bad \\u escape");
              return false;
            }
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          pos_ = i;
          invalid("a bad escape");
          return false;
        }
      }
    }
    pos_ = in_.size();
    invalid("an unterminated string");
    return false;
  }

  // The text of a string token, its escapes decoded when it has any (as
  // written when they do not decode: a lone surrogate).
  static std::string_view unquoted(std::string_view token, bool escaped, std::string& decoded) {
    if (!escaped) return token.substr(1, token.size() - 2);
    const auto j = json::parse(token, nullptr, false);
    if (!j.is_string()) return token.substr(1, token.size() - 2);
    decoded = j.get<std::string>();
    return decoded;
  }

  struct number {
    std::string_view token;
    std::size_t int_end = 0;  // end of the integer part within token
    bool fraction = false, zero_fraction = true, exponent = false;
  };

  bool number_token(number& n) {
    const std::size_t start = pos_;
    std::size_t i = pos_;
    auto digits = [&] {
      const std::size_t from = i;
      while (i < in_.size() && in_[i] >= '0' && in_[i] <= '9') ++i;
      return i > from;
    };
    if (i < in_.size() && in_[i] == '-') ++i;
    if (i < in_.size() && in_[i] == '0') ++i;
    else if (!digits()) {
      pos_ = i;
      invalid("a bad number");
      return false;
    }
    n.int_end = i - start;
    if (i < in_.size() && in_[i] == '.') {
      ++i;
      const std::size_t from = i;
      if (!digits()) {
        pos_ = i;
        invalid("a bad number");
        return false;
      }
      n.fraction = true;
      n.zero_fraction = in_.substr(from, i - from).find_first_not_of('0') == std::string_view::npos;
    }
    if (i < in_.size() && (in_[i] == 'e' || in_[i] == 'E')) {
      ++i;
      if (i < in_.size() && (in_[i] == '+' || in_[i] == '-')) ++i;
      if (!digits()) {
        pos_ = i;
        invalid("a bad number");
        return false;
      }
      n.exponent = true;
    }
    pos_ = i;
    n.token = in_.substr(start, i - start);
    return true;
  }

  bool literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) {
      invalid("an unknown literal");
      return false;
    }
    pos_ += word.size();
    return true;
  }

  // Skips (and validates) one value.
  outcome skip(int depth) {
    if (depth > max_depth) return invalid("nesting deeper than 512");
    std::string_view token;
    bool escaped;
    switch (peek()) {
      case '"': return string_token(token, escaped) ? outcome::ok : outcome::invalid;
      case 't': return literal("true") ? outcome::ok : outcome::invalid;
      case 'f': return literal("false") ? outcome::ok : outcome::invalid;
      case 'n': return literal("null") ? outcome::ok : outcome::invalid;
      case '{':
      case '[': {
        const char close = peek() == '{' ? '}' : ']';
        ++pos_;
        ws();
        if (peek() == close) {
          ++pos_;
          return outcome::ok;
        }
        for (;;) {
          ws();
          if (close == '}') {
            if (peek() != '"') return invalid("expected a field name");
            if (!string_token(token, escaped)) return outcome::invalid;
            ws();
            if (peek() != ':') return invalid("expected ':'");
            ++pos_;
            ws();
          }
          if (skip(depth + 1) == outcome::invalid) return outcome::invalid;
          ws();
          if (peek() == ',') {
            ++pos_;
            continue;
          }
          if (peek() == close) {
            ++pos_;
            return outcome::ok;
          }
          return invalid(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
      }
      default: {
        number n;
        return number_token(n) ? outcome::ok : outcome::invalid;
      }
    }
  }

  // What the value at pos_ is, for messages (its JSON type, never its text).
  std::string_view found() const {
    switch (peek()) {
      case '"': return "a string";
      case 't':
      case 'f': return "a boolean";
      case 'n': return "null";
      case '{': return "an object";
      case '[': return "an array";
      default: return "a number";
    }
  }

  outcome misfit(std::string_view expected, std::string_view what) {
    why_ = "expected ";
    why_ += expected;
    why_ += ", found ";
    why_ += what;
    path_.clear();
    return outcome::misfit;
  }

  // The misfit found below `step` goes up one level.
  outcome up(std::string_view step) {
    if (!path_.empty() && path_.front() != '[') path_.insert(path_.begin(), '.');
    path_.insert(0, step);
    return outcome::misfit;
  }

  // ---- writing

  outcome write_value(std::uint32_t type_index, bool nullable, int depth) {
    if (depth > max_depth) return invalid("nesting deeper than 512");
    const detail::type t = p_.types[type_index];
    const char c = peek();
    if (c == 'n') {
      if (!literal("null")) return outcome::invalid;
      if (!nullable) return misfit(expected(t.k), "null");
      out_ += "null";
      return outcome::ok;
    }
    std::string_view token;
    bool escaped;
    switch (t.k) {
      case kind::string:
        if (c != '"') return misfit("a string", found());
        if (!string_token(token, escaped)) return outcome::invalid;
        out_ += token;
        return outcome::ok;
      case kind::text: {
        const std::size_t start = pos_;
        if (skip(depth) == outcome::invalid) return outcome::invalid;
        const auto raw = in_.substr(start, pos_ - start);
        if (c == '"') out_ += raw;
        else connectors::json_text::append_string(out_, raw);
        return outcome::ok;
      }
      case kind::json: {
        const std::size_t start = pos_;
        if (skip(depth) == outcome::invalid) return outcome::invalid;
        append_compact(in_.substr(start, pos_ - start));
        return outcome::ok;
      }
      case kind::int64:
      case kind::float64: {
        if (c != '-' && (c < '0' || c > '9')) return misfit(expected(t.k), found());
        number n;
        if (!number_token(n)) return outcome::invalid;
        return t.k == kind::int64 ? write_int64(n) : write_float64(n);
      }
      case kind::boolean:
        if (c != 't' && c != 'f') return misfit("a boolean", found());
        if (!literal(c == 't' ? "true" : "false")) return outcome::invalid;
        out_ += c == 't' ? "true" : "false";
        return outcome::ok;
      case kind::timestamp:
      case kind::date: {
        if (c != '"') return misfit(expected(t.k), found());
        if (!string_token(token, escaped)) return outcome::invalid;
        std::string decoded;
        return write_time(unquoted(token, escaped, decoded), t.k);
      }
      case kind::structure:
        if (c != '{') return misfit("an object", found());
        return write_struct(p_.structs[t.child], depth + 1);
      case kind::map:
        if (c != '{') return misfit("an object", found());
        return write_map(t.child, depth + 1);
      case kind::array:
        if (c != '[') return misfit("an array", found());
        return write_array(t.child, depth + 1);
    }
    return outcome::invalid;
  }

  static std::string_view expected(kind k) {
    switch (k) {
      case kind::string:
      case kind::text: return "a string";
      case kind::json: return "a value";
      case kind::int64: return "an integer";
      case kind::float64: return "a number";
      case kind::boolean: return "a boolean";
      case kind::timestamp: return "a date-time";
      case kind::date: return "a date";
      case kind::structure:
      case kind::map: return "an object";
      case kind::array: return "an array";
    }
    return "a value";
  }

  // `raw`, one valid JSON value, as a JSON string of its text without the
  // whitespace between tokens: quotes and backslashes escaped, every other
  // byte (UTF-8, escapes inside strings) copied.
  void append_compact(std::string_view raw) {
    // At most every byte escaped, plus the quotes: written in place.
    const std::size_t start = out_.size();
    out_.resize(start + 2 * raw.size() + 2);
    char* d = out_.data() + start;
    *d++ = '"';
    bool in_string = false;
    for (std::size_t i = 0; i < raw.size();) {
      const std::size_t n = text_run(raw.data() + i, raw.size() - i);
      std::memcpy(d, raw.data() + i, n);
      d += n;
      i += n;
      if (i == raw.size()) break;
      const char c = raw[i++];
      if (c == '"') {
        *d++ = '\\';
        *d++ = '"';
        in_string = !in_string;
      } else if (c == '\\') {  // only inside a string, never its last byte
        *d++ = '\\';
        *d++ = '\\';
        const char e = raw[i++];
        if (e == '"' || e == '\\') *d++ = '\\';
        *d++ = e;
      } else if (in_string) {
        *d++ = c;  // a space: a string holds no other byte up to 0x20
      }
    }
    *d++ = '"';
    out_.resize(static_cast<std::size_t>(d - out_.data()));
  }

  outcome write_int64(const number& n) {
    if (n.exponent || (n.fraction && !n.zero_fraction)) return misfit("an integer", "a number with a fraction");
    const auto digits = n.token.substr(0, n.int_end);  // "7.0" is 7
    std::int64_t v = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), v).ec != std::errc{})
      return misfit("an integer", "an integer beyond int64");
    out_ += digits;
    return outcome::ok;
  }

  outcome write_float64(const number& n) {
    // Only an exponent or some 300 digits can leave double's range.
    if (n.exponent || n.token.size() > 300) {
      double v = 0;
      if (std::from_chars(n.token.data(), n.token.data() + n.token.size(), v).ec != std::errc{})
        return misfit("a number", "a number beyond double");
    }
    out_ += n.token;
    return outcome::ok;
  }

  outcome write_time(std::string_view text, kind k) {
    const auto t = connectors::parse_instant(text);  // years 1678..2261
    if (!t) return misfit(expected(k), k == kind::date ? "a string that is not a date" : "a string that is not a date-time");
    const std::int64_t ms = t->ms();
    char buf[24];
    if (k == kind::timestamp) {
      out_.append(buf, std::to_chars(buf, buf + sizeof buf, ms).ptr);
      return outcome::ok;
    }
    if (t->unix_ns % (ms_per_day * 1'000'000) != 0) return misfit("a date", "a date-time with a time of day");
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, ms / ms_per_day).ptr);
    return outcome::ok;
  }

  // At '{': an object of struct `s`.
  outcome write_struct(const detail::structure& s, int depth) {
    ++pos_;
    out_ += '{';
    std::vector<std::pair<std::string_view, std::string_view>> extras;  // raw field name token, raw value
    std::uint64_t seen = 0;
    std::vector<bool> seen_many;  // more than 64 required fields
    if (s.required > 64) seen_many.assign(static_cast<std::size_t>(s.required), false);
    int seen_count = 0;
    const auto n = static_cast<std::uint32_t>(s.fields.size());
    std::uint32_t previous = n;
    std::string decoded;
    ws();
    if (peek() == '}') ++pos_;
    else
      for (;;) {
        ws();
        if (peek() != '"') return invalid("expected a field name");
        std::string_view token;
        bool escaped;
        if (!string_token(token, escaped)) return outcome::invalid;
        const auto name = unquoted(token, escaped, decoded);
        ws();
        if (peek() != ':') return invalid("expected ':'");
        ++pos_;
        ws();
        const std::size_t value_at = pos_;
        const detail::field* f = nullptr;
        if (const auto guess = s.next[previous].load(std::memory_order_relaxed);
            guess < n && s.fields[guess].name == name) {
          f = &s.fields[guess];
        } else if (const auto it = s.index.find(name); it != s.index.end()) {
          f = &s.fields[it->second];
          s.next[previous].store(it->second, std::memory_order_relaxed);
        }
        if (f == nullptr) {
          if (skip(depth) == outcome::invalid) return outcome::invalid;
          if (!s.extra) {
            why_ = "not one of the key fields";
            path_.clear();
            unknown_key_field_ = true;
            return up(name);
          }
          extras.emplace_back(token, in_.substr(value_at, pos_ - value_at));
        } else {
          previous = static_cast<std::uint32_t>(f - s.fields.data());
          const std::size_t mark = out_.size();
          if (out_.back() != '{') out_ += ',';
          out_ += token;
          out_ += ':';
          const auto r = write_value(f->type, f->required_bit < 0, depth);
          if (r == outcome::invalid) return r;
          if (r == outcome::misfit) {
            out_.resize(mark);
            pos_ = value_at;
            if (skip(depth) == outcome::invalid) return outcome::invalid;
            if (f->required_bit >= 0) return up(f->name);
            extras.emplace_back(token, in_.substr(value_at, pos_ - value_at));
          } else if (f->required_bit >= 0) {
            const auto bit = static_cast<std::size_t>(f->required_bit);
            const bool was = s.required > 64 ? seen_many[bit] : ((seen >> bit) & 1U) != 0;
            if (!was) ++seen_count;
            if (s.required > 64) seen_many[bit] = true;
            else seen |= std::uint64_t{1} << bit;
          }
        }
        ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == '}') {
          ++pos_;
          break;
        }
        return invalid("expected ',' or '}'");
      }
    if (seen_count < s.required) {
      for (const auto& f : s.fields) {
        if (f.required_bit < 0) continue;
        const auto bit = static_cast<std::size_t>(f.required_bit);
        if (s.required > 64 ? seen_many[bit] : ((seen >> bit) & 1U) != 0) continue;
        why_ = "missing";
        path_.clear();
        return up(f.name);
      }
    }
    if (!extras.empty()) {
      if (out_.back() != '{') out_ += ',';
      out_ += "\"_quarry_extra\":{";
      for (const auto& [name, raw] : extras) {
        if (out_.back() != '{') out_ += ',';
        out_ += name;
        out_ += ':';
        if (raw.front() == '"' || raw == "null") out_ += raw;
        else connectors::json_text::append_string(out_, raw);
      }
      out_ += '}';
    }
    out_ += '}';
    return outcome::ok;
  }

  // At '{': a map with values of type `values`.
  outcome write_map(std::uint32_t values, int depth) {
    if (opened_empty('{', '}')) return outcome::ok;
    std::string decoded;
    for (;;) {
      ws();
      if (peek() != '"') return invalid("expected a field name");
      std::string_view token;
      bool escaped;
      if (!string_token(token, escaped)) return outcome::invalid;
      ws();
      if (peek() != ':') return invalid("expected ':'");
      ++pos_;
      ws();
      if (out_.back() != '{') out_ += ',';
      out_ += token;
      out_ += ':';
      const auto r = write_value(values, true, depth);
      if (r == outcome::invalid) return r;
      if (r == outcome::misfit) return up(unquoted(token, escaped, decoded));
      if (const auto end = next_or_close('}')) return *end;
    }
  }

  // At '[': an array of `items`.
  outcome write_array(std::uint32_t items, int depth) {
    if (opened_empty('[', ']')) return outcome::ok;
    for (std::size_t i = 0;; ++i) {
      ws();
      if (i > 0) out_ += ',';
      const auto r = write_value(items, true, depth);
      if (r == outcome::invalid) return r;
      if (r == outcome::misfit) return up("[" + std::to_string(i) + "]");
      if (const auto end = next_or_close(']')) return *end;
    }
  }

  // At `open`: writes it; true when the container is empty (`close`
  // written too).
  bool opened_empty(char open, char close) {
    ++pos_;
    out_ += open;
    ws();
    if (peek() != close) return false;
    ++pos_;
    out_ += close;
    return true;
  }

  // After an element of an object or array: at ',' another follows
  // (nullopt); at `close` the container ends (ok); anything else is invalid.
  std::optional<outcome> next_or_close(char close) {
    ws();
    if (peek() == ',') {
      ++pos_;
      return std::nullopt;
    }
    if (peek() == close) {
      ++pos_;
      out_ += close;
      return outcome::ok;
    }
    return invalid(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }

  const detail::plan& p_;
  std::string_view in_;
  std::string& out_;
  std::size_t pos_ = 0;
  bool invalid_ = false;
  std::string_view invalid_what_;
  std::size_t invalid_at_ = 0;
  std::string why_;   // a misfit: what was expected and found
  std::string path_;  // where, built while the misfit goes up
  bool unknown_key_field_ = false;
};

status write_envelope(const detail::plan& p, const std::string& prefix, std::uint32_t struct_index,
                      std::string_view text, std::string& out, std::string_view what) {
  const std::size_t start = out.size();
  out += prefix;
  payload_writer w(p, text, out);
  if (w.top(struct_index) != outcome::ok) {
    out.resize(start);
    return make_error(error_kind::bad_payload,
                      p.name + ": cannot write the " + std::string{what} + " as Kafka Connect JSON: " + w.error_text());
  }
  out += '}';
  return {};
}

} // namespace

result<envelope_writer> envelope_writer::make(const nlohmann::json& json_schema,
                                              const std::vector<std::string>& key_fields, std::string_view name,
                                              timestamps ts, nested n) {
  auto p = std::make_shared<detail::plan>();
  p->name = name;
  const json* props = nullptr;
  if (json_schema.is_object())
    if (const auto it = json_schema.find("properties"); it != json_schema.end() && it->is_object() && !it->empty())
      props = &*it;
  if (props == nullptr)
    return make_error(error_kind::fatal, p->name + ": the stream's JSON Schema has no properties");
  for (std::size_t i = 0; i < key_fields.size(); ++i)
    if (std::find(key_fields.begin(), key_fields.begin() + static_cast<std::ptrdiff_t>(i), key_fields[i]) !=
        key_fields.begin() + static_cast<std::ptrdiff_t>(i))
      return make_error(error_kind::fatal, p->name + ": key field " + key_fields[i] + " is listed twice");

  schema_builder b(*p, ts, n);
  // Key fields the schema does not list are typed as text, in both structs.
  json all = *props;
  for (const auto& k : key_fields)
    if (!all.contains(k)) all[k] = json::object();
  ordered value;
  auto v = b.structure(all, json_schema.value("required", json::array()), key_fields, true, value, 0);
  if (!v) return std::move(v).error();
  p->value_type = *v;
  value["optional"] = false;
  value["name"] = p->name;

  // The key struct reuses each key field's type and schema from the value struct.
  detail::structure key;
  key.extra = false;
  ordered key_fields_schema = ordered::array();
  const auto& value_struct = p->structs[p->types[*v].child];
  for (const auto& k : key_fields) {
    const auto& f = value_struct.fields[value_struct.index.at(k)];
    ordered fs;
    for (const auto& vf : value["fields"])
      if (vf["field"] == k) fs = vf;
    fs["optional"] = false;
    key.index.emplace(k, static_cast<std::uint32_t>(key.fields.size()));
    key.fields.push_back({k, f.type, key.required++});
    key_fields_schema.push_back(std::move(fs));
  }
  schema_builder::start_guesses(key);
  p->structs.push_back(std::move(key));
  p->key_type = b.add_type(kind::structure, static_cast<std::uint32_t>(p->structs.size() - 1));
  const ordered key_schema = {{"type", "struct"},
                              {"fields", std::move(key_fields_schema)},
                              {"optional", false},
                              {"name", p->name + ".Key"}};

  p->value_schema = value.dump();
  p->key_schema = key_schema.dump();
  p->value_prefix = "{\"schema\":" + p->value_schema + ",\"payload\":";
  p->key_prefix = "{\"schema\":" + p->key_schema + ",\"payload\":";
  return envelope_writer{std::move(p)};
}

envelope_writer::envelope_writer(std::shared_ptr<const detail::plan> plan) : plan_(std::move(plan)) {}

status envelope_writer::value(std::string_view record_json, std::string& out) const {
  return write_envelope(*plan_, plan_->value_prefix, plan_->types[plan_->value_type].child, record_json, out,
                        "record");
}

status envelope_writer::key(std::string_view key_json, std::string& out) const {
  return write_envelope(*plan_, plan_->key_prefix, plan_->types[plan_->key_type].child, key_json, out, "key");
}

const std::string& envelope_writer::value_schema() const { return plan_->value_schema; }
const std::string& envelope_writer::key_schema() const { return plan_->key_schema; }

} // namespace quarry::sinks::connect
