//! A safe event reader over libyaml (as translated to Rust by `unsafe-libyaml`).
//!
//! libyaml is the parser behind PyYAML's C loader, and its grammar is the one that cfn-lint,
//! the AWS CLI and CloudFormation users' tools accept: laxer than YAML 1.2 where real templates
//! need it (continuation lines of a quoted scalar or a flow collection at the key's own
//! indentation, a tab after `key:`, directives after a document without `...`). This module
//! is the only place with `unsafe`; everything it hands out is owned by the parser and
//! borrowed for one event at a time.

use std::marker::PhantomData;
use std::mem::MaybeUninit;
use unsafe_libyaml as yaml_unsafe;

/// A 0-based position as libyaml counts it: `index` in bytes of the input, `line`, and
/// `column` in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub index: u64,
    pub line: u64,
    pub column: u64,
}

impl Mark {
    fn of(m: &yaml_unsafe::yaml_mark_t) -> Self {
        Self { index: m.index, line: m.line, column: m.column }
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// One parsing event; its strings are borrowed from the parser until the next event.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    Alias { anchor: &'a str },
    Scalar { value: &'a str, style: Style, anchor: Option<&'a str>, tag: Option<&'a str> },
    SequenceStart { anchor: Option<&'a str>, tag: Option<&'a str> },
    SequenceEnd,
    MappingStart { anchor: Option<&'a str>, tag: Option<&'a str> },
    MappingEnd,
}

/// Why libyaml gave up, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub problem: String,
    /// Where: a mark, or only a byte offset (reader errors: a control character, a bad byte).
    pub at: At,
    /// What was being read when it failed, and where that started.
    pub context: Option<(String, Mark)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Mark(Mark),
    Offset(u64),
}

/// The parser and its current event, kept at a fixed heap address: libyaml keeps a pointer
/// to the parser (its string reader's data), and an event's strings until it is deleted.
struct Pinned {
    parser: yaml_unsafe::yaml_parser_t,
    event: yaml_unsafe::yaml_event_t,
    /// Whether `event` holds an event that must be deleted.
    has_event: bool,
}

pub struct Parser<'input> {
    pinned: Box<MaybeUninit<Pinned>>,
    done: bool,
    _input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    /// A parser over `input`, which must outlive it (libyaml reads it in place).
    pub fn new(input: &'input str) -> Self {
        let mut pinned: Box<MaybeUninit<Pinned>> = Box::new(MaybeUninit::uninit());
        let p = pinned.as_mut_ptr();
        // SAFETY: `p` points to heap memory that stays put for the parser's life.
        // `yaml_parser_initialize` fully initialises the parser struct (it zeroes it first) and
        // only fails when an allocation fails, which Rust's allocator turns into an abort.
        // `has_event` is written before anything reads it, and `event` is only read after
        // `yaml_parser_parse` has filled it. The input pointer stays valid for `'input`, which
        // the parser cannot outlive (PhantomData).
        unsafe {
            std::ptr::addr_of_mut!((*p).has_event).write(false);
            let parser = std::ptr::addr_of_mut!((*p).parser);
            let ok = !yaml_unsafe::yaml_parser_initialize(parser).fail;
            if ok {
                yaml_unsafe::yaml_parser_set_input_string(parser, input.as_ptr(), input.len() as u64);
                yaml_unsafe::yaml_parser_set_encoding(parser, yaml_unsafe::YAML_UTF8_ENCODING);
            }
            debug_assert!(ok, "yaml_parser_initialize failed");
        }
        Self { pinned, done: false, _input: PhantomData }
    }

    /// The next event with its start and end marks, or `None` after the stream's end or an
    /// error.
    pub fn next_event(&mut self) -> Option<Result<(Event<'_>, Mark, Mark), Error>> {
        if self.done {
            return None;
        }
        let p = self.pinned.as_mut_ptr();
        // SAFETY: the parser was initialised in `new`. The previous event (if any) is deleted
        // before its memory is reused; after a failed parse the event is not initialised and
        // is not marked as held. Strings are read only from the event just produced, with the
        // lengths libyaml gives (scalars) or up to their NUL (anchors, tags), and live until the
        // next call borrows `self` mutably again.
        unsafe {
            let event = std::ptr::addr_of_mut!((*p).event);
            if (*p).has_event {
                yaml_unsafe::yaml_event_delete(event);
                (*p).has_event = false;
            }
            let parser = std::ptr::addr_of_mut!((*p).parser);
            if yaml_unsafe::yaml_parser_parse(parser, event).fail {
                self.done = true;
                return Some(Err(error_of(&*parser)));
            }
            (*p).has_event = true;
            let ev = &*event;
            let (start, end) = (Mark::of(&ev.start_mark), Mark::of(&ev.end_mark));
            let converted = match ev.type_ {
                yaml_unsafe::YAML_STREAM_START_EVENT => Event::StreamStart,
                yaml_unsafe::YAML_STREAM_END_EVENT => {
                    self.done = true;
                    Event::StreamEnd
                }
                yaml_unsafe::YAML_DOCUMENT_START_EVENT => Event::DocumentStart,
                yaml_unsafe::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
                yaml_unsafe::YAML_ALIAS_EVENT => Event::Alias { anchor: c_str(ev.data.alias.anchor).unwrap_or("") },
                yaml_unsafe::YAML_SCALAR_EVENT => {
                    let s = &ev.data.scalar;
                    let bytes = if s.value.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(s.value, s.length as usize)
                    };
                    let Ok(value) = std::str::from_utf8(bytes) else {
                        self.done = true;
                        return Some(Err(Error {
                            problem: "scalar is not valid UTF-8".into(),
                            at: At::Mark(start),
                            context: None,
                        }));
                    };
                    let style = match s.style {
                        yaml_unsafe::YAML_SINGLE_QUOTED_SCALAR_STYLE => Style::SingleQuoted,
                        yaml_unsafe::YAML_DOUBLE_QUOTED_SCALAR_STYLE => Style::DoubleQuoted,
                        yaml_unsafe::YAML_LITERAL_SCALAR_STYLE => Style::Literal,
                        yaml_unsafe::YAML_FOLDED_SCALAR_STYLE => Style::Folded,
                        _ => Style::Plain,
                    };
                    Event::Scalar { value, style, anchor: c_str(s.anchor), tag: c_str(s.tag) }
                }
                yaml_unsafe::YAML_SEQUENCE_START_EVENT => {
                    let s = &ev.data.sequence_start;
                    Event::SequenceStart { anchor: c_str(s.anchor), tag: c_str(s.tag) }
                }
                yaml_unsafe::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
                yaml_unsafe::YAML_MAPPING_START_EVENT => {
                    let s = &ev.data.mapping_start;
                    Event::MappingStart { anchor: c_str(s.anchor), tag: c_str(s.tag) }
                }
                yaml_unsafe::YAML_MAPPING_END_EVENT => Event::MappingEnd,
                _ => {
                    self.done = true;
                    return Some(Err(Error {
                        problem: "unexpected parser event".into(),
                        at: At::Mark(start),
                        context: None,
                    }));
                }
            };
            Some(Ok((converted, start, end)))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        let p = self.pinned.as_mut_ptr();
        // SAFETY: initialised in `new`; the held event (if any) is deleted once, then the parser.
        unsafe {
            if (*p).has_event {
                yaml_unsafe::yaml_event_delete(std::ptr::addr_of_mut!((*p).event));
            }
            yaml_unsafe::yaml_parser_delete(std::ptr::addr_of_mut!((*p).parser));
        }
    }
}

/// A NUL-terminated libyaml string (anchors, tags), `None` when absent or not UTF-8 (libyaml
/// only produces UTF-8 from UTF-8 input).
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string that outlives `'a`.
unsafe fn c_str<'a>(ptr: *const u8) -> Option<&'a str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    let s = unsafe { std::ffi::CStr::from_ptr(ptr.cast()) };
    s.to_str().ok()
}

fn error_of(parser: &yaml_unsafe::yaml_parser_t) -> Error {
    // SAFETY: libyaml sets `problem` and `context` to static NUL-terminated strings or null.
    let text = |p: *const std::ffi::c_char| unsafe { c_str(p.cast()) }.map(str::to_string);
    let problem = text(parser.problem).unwrap_or_else(|| "could not parse".to_string());
    // Reader errors carry a byte offset instead of a mark.
    let at = if parser.error == yaml_unsafe::YAML_READER_ERROR {
        At::Offset(parser.problem_offset)
    } else {
        At::Mark(Mark::of(&parser.problem_mark))
    };
    let context = text(parser.context).map(|c| (c, Mark::of(&parser.context_mark)));
    Error { problem, at, context }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<String>, Error> {
        let mut p = Parser::new(text);
        let mut out = Vec::new();
        while let Some(ev) = p.next_event() {
            let (e, s, _) = ev?;
            out.push(format!("{}:{} {e:?}", s.line + 1, s.column + 1));
        }
        Ok(out)
    }

    #[test]
    fn events_with_marks() {
        let ev = events("a: &x !Ref b\nc: *x\n").unwrap();
        assert_eq!(ev[4], "1:4 Scalar { value: \"b\", style: Plain, anchor: Some(\"x\"), tag: Some(\"!Ref\") }");
        assert_eq!(ev[6], "2:4 Alias { anchor: \"x\" }");
        assert!(ev.last().unwrap().ends_with("StreamEnd"));
    }

    #[test]
    fn errors_have_marks_and_context() {
        let e = events("a: 'unterminated\n").unwrap_err();
        assert!(matches!(e.at, At::Mark(m) if m.line == 1), "{e:?}");
        let (ctx, at) = e.context.unwrap();
        assert!(ctx.contains("quoted scalar"), "{ctx}");
        assert_eq!((at.line, at.column), (0, 3));
        let e = events("a: \u{1}\n").unwrap_err();
        assert_eq!(e.at, At::Offset(3));
    }

    #[test]
    fn dropping_mid_stream_and_after_errors_is_clean() {
        let mut p = Parser::new("a: [1, 2]\n");
        assert!(p.next_event().is_some());
        assert!(p.next_event().is_some());
        drop(p);
        let mut p = Parser::new("a: [\n");
        while let Some(ev) = p.next_event() {
            if ev.is_err() {
                break;
            }
        }
        assert!(p.next_event().is_none());
    }
}
