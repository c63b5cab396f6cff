//! Table-driven tests of the shared template functions. Expected values
//! come from the documentation named above each table.

use super::{call, Dialect, FnErrorKind};
use crate::value::Value;
use serde_json::json;

fn v(j: serde_json::Value) -> Value {
    Value::from_json(&j)
}

/// Call `name` with JSON arguments in dialect `d`.
fn run(d: Dialect, name: &str, args: &[serde_json::Value]) -> Result<Value, String> {
    let vals: Vec<Value> = args.iter().map(|a| v(a.clone())).collect();
    match call(d, &name.to_ascii_lowercase(), name, &vals) {
        Some(Ok(x)) => Ok(x),
        Some(Err(e)) => Err(e.message),
        None => Err(format!("`{name}` is not a shared function")),
    }
}

/// Run a table in both dialects; every row must give `want` in each.
fn table(name: &str, rows: &[(&[serde_json::Value], serde_json::Value)]) {
    let mut failures = Vec::new();
    for d in [Dialect::Arm, Dialect::Policy] {
        for (args, want) in rows {
            match run(d, name, args) {
                Ok(got) if got == v(want.clone()) => {}
                other => failures.push(format!("{d:?} {name}{args:?}: got {other:?}, want {want}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fmt(spec: &str, arg: serde_json::Value) -> Result<Value, String> {
    run(Dialect::Arm, "format", &[json!(spec), arg])
}

#[test]
fn format_standard_numeric_on_doubles() {
    // learn.microsoft.com/dotnet/standard/base-types/standard-numeric-format-strings
    // (examples for en-US, which formats numbers as the invariant culture does).
    table(
        "format",
        &[
            (&[json!("{0:E}"), json!(12345.6789)], json!("1.234568E+004")),
            (&[json!("{0:E10}"), json!(12345.6789)], json!("1.2345678900E+004")),
            (&[json!("{0:e4}"), json!(12345.6789)], json!("1.2346e+004")),
            (&[json!("{0:F}"), json!(12345.6789)], json!("12345.68")),
            (&[json!("{0:F6}"), json!(12345.6789)], json!("12345.678900")),
            (&[json!("{0:F3}"), json!(-1898300.1987)], json!("-1898300.199")),
            (&[json!("{0:F0}"), json!(2.6)], json!("3")),
            (&[json!("{0:G}"), json!(12345.6789)], json!("12345.6789")),
            (&[json!("{0:G7}"), json!(12345.6789)], json!("12345.68")),
            (&[json!("{0:G}"), json!(0.0000023)], json!("2.3E-06")),
            (&[json!("{0:G}"), json!(0.0023)], json!("0.0023")),
            (&[json!("{0:G2}"), json!(1234.0)], json!("1.2E+03")),
            (&[json!("{0:N}"), json!(12345.6789)], json!("12,345.68")),
            (&[json!("{0:N1}"), json!(-12445.6789)], json!("-12,445.7")),
            (&[json!("{0:N2}"), json!(1234.5)], json!("1,234.50")),
            (&[json!("{0:P}"), json!(0.2468013)], json!("24.68 %")),
            (&[json!("{0:P1}"), json!(-0.39678)], json!("-39.7 %")),
            (&[json!("{0:P0}"), json!(1)], json!("100 %")),
            (&[json!("{0:R}"), json!(1.23456789012345)], json!("1.23456789012345")),
            (&[json!("{0:D8}"), json!(12345)], json!("00012345")),
            (&[json!("{0:X}"), json!(255)], json!("FF")),
            (&[json!("{0:x8}"), json!(-1)], json!("ffffffffffffffff")),
            (&[json!("{0}"), json!(1.5)], json!("1.5")),
            (&[json!("{0}"), json!(1e15)], json!("1E+15")),
        ],
    );
    // The docs say .NET Framework rounds ties away from zero (on 15 significant
    // digits) and .NET Core 2.1+ to even (on the exact value); ARM's runtime is
    // not documented, so where the two differ the result is unknown.
    for (spec, x) in [("{0:F0}", json!(2.5)), ("{0:F2}", json!(1.005)), ("{0}", json!(0.30000000000000004)), ("{0:E0}", json!(2.5))] {
        assert!(matches!(fmt(spec, x.clone()), Ok(Value::Unknown(_))), "{spec} {x}");
    }
}

#[test]
fn format_custom_numeric_patterns() {
    // learn.microsoft.com/dotnet/standard/base-types/custom-numeric-format-strings
    table(
        "format",
        &[
            (&[json!("{0:00000}"), json!(123)], json!("00123")),
            (&[json!("{0:000}"), json!(7)], json!("007")),
            (&[json!("{0:0.00}"), json!(1.2)], json!("1.20")),
            (&[json!("{0:0.00}"), json!(0.45678)], json!("0.46")),
            (&[json!("{0:#.##}"), json!(1.2)], json!("1.2")),
            (&[json!("{0:#####}"), json!(123)], json!("123")),
            (&[json!("{0:[##-##-##]}"), json!(123456)], json!("[12-34-56]")),
            (&[json!("{0:(###) ###-####}"), json!(1234567890)], json!("(123) 456-7890")),
            (&[json!("{0:#,#}"), json!(1234567890)], json!("1,234,567,890")),
            (&[json!("{0:#,##0,,}"), json!(1234567890)], json!("1,235")),
            (&[json!("{0:#,0.00}"), json!(1234.5678)], json!("1,234.57")),
            (&[json!("{0:#0.##%}"), json!(0.086)], json!("8.6%")),
            (&[json!("{0:%#0.00}"), json!(0.3697)], json!("%36.97")),
            (&[json!("{0:##;(##)}"), json!(1234)], json!("1234")),
            (&[json!("{0:##;(##)}"), json!(-1234)], json!("(1234)")),
            (&[json!("{0:##;(##);**Zero**}"), json!(0)], json!("**Zero**")),
            (&[json!("{0:#}"), json!(0)], json!("")),
            (&[json!("{0:0\\#}"), json!(5)], json!("5#")),
            (&[json!("{0:0' units'}"), json!(5)], json!("5 units")),
        ],
    );
    // exponents in custom patterns are not evaluated: unknown, not a guess
    assert!(matches!(fmt("{0:0.###E+000}", json!(86000)), Ok(Value::Unknown(_))));
    // hostile scaling (thousands of `%`) is refused, not allocated
    let many = format!("{{0:0{}}}", "%".repeat(5000));
    assert!(matches!(fmt(&many, json!(1)), Ok(Value::Unknown(_))));
}

#[test]
fn format_composite_rules() {
    // learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#format
    table(
        "format",
        &[
            (&[json!("{0}, {1}. Formatted number: {2:N0}"), json!("Hello"), json!("User"), json!(8175133)], json!("Hello, User. Formatted number: 8,175,133")),
            (&[json!("{0}"), json!(true)], json!("True")),
            (&[json!("{0} {1}"), json!(false), json!(null)], json!("False ")),
            (&[json!("{{{0}}}"), json!("x")], json!("{x}")),
            (&[json!("[{0,5}]"), json!("ab")], json!("[   ab]")),
            (&[json!("[{0,-5}]"), json!("ab")], json!("[ab   ]")),
            (&[json!("{0:N2}"), json!("text")], json!("text")),
            // runs of text between items, escaped braces, multi-byte text, spaced index
            (&[json!("a}}b{{c-é{ 1 }ü{0}"), json!("x"), json!("ÿ")], json!("a}b{c-éÿüx")),
            (&[json!("{0}{0}:{1}"), json!("ab"), json!({"k": [1]})], json!(r#"abab:{"k":[1]}"#)),
            (&[json!("")], json!("")),
            // a two-digit index, and a one-digit one next to it
            (
                &[json!("{10}-{1}"), json!("0"), json!("1"), json!("2"), json!("3"), json!("4"), json!("5"), json!("6"), json!("7"), json!("8"), json!("9"), json!("ten")],
                json!("ten-1"),
            ),
        ],
    );
    // currency depends on the server's culture
    assert!(matches!(fmt("{0:C}", json!(5)), Ok(Value::Unknown(_))));
    // a date-time string with a format: Newtonsoft may have made it a date
    assert!(matches!(fmt("{0:yyyy}", json!("2020-04-07T14:53:14Z")), Ok(Value::Unknown(_))));
    assert_eq!(fmt("{0}", json!("2020-04-07T14:53:14Z")), Ok(v(json!("2020-04-07T14:53:14Z"))));
    for bad in ["{0", "}", "{1}", "{x}", "{0:Q}", "ab{{0}", "x}y", "{0{1}"] {
        assert!(fmt(bad, json!(5)).is_err(), "{bad}");
    }
    assert!(fmt("{0:D}", json!(1.5)).is_err(), "D needs an integer, as .NET");
    let u = Value::unknown("later");
    assert_eq!(call(Dialect::Arm, "format", "format", &[v(json!("{0}")), u.clone()]), Some(Ok(u)));
}

#[test]
fn date_time_add_formats() {
    // Output formats: learn.microsoft.com/dotnet/standard/base-types/standard-date-and-time-format-strings
    // and custom-date-and-time-format-strings (invariant culture); `yyyyMMddTHHmmssZ`
    // is `utcNow()`'s documented default format.
    let b = json!("2020-04-07 14:53:14Z");
    table(
        "dateTimeAdd",
        &[
            (&[b.clone(), json!("PT1H")], json!("2020-04-07T15:53:14Z")),
            (&[b.clone(), json!("P3Y")], json!("2023-04-07T14:53:14Z")),
            (&[b.clone(), json!("-PT3H")], json!("2020-04-07T11:53:14Z")),
            (&[b.clone(), json!("PT1H"), json!("u")], json!("2020-04-07 15:53:14Z")),
            (&[b.clone(), json!("PT1H"), json!("s")], json!("2020-04-07T15:53:14")),
            (&[b.clone(), json!("PT1H"), json!("o")], json!("2020-04-07T15:53:14.0000000Z")),
            (&[b.clone(), json!("PT1H"), json!("d")], json!("04/07/2020")),
            (&[b.clone(), json!("PT1H"), json!("D")], json!("Tuesday, 07 April 2020")),
            (&[b.clone(), json!("PT1H"), json!("g")], json!("04/07/2020 15:53")),
            (&[b.clone(), json!("PT1H"), json!("R")], json!("Tue, 07 Apr 2020 15:53:14 GMT")),
            (&[b.clone(), json!("PT1H"), json!("t")], json!("15:53")),
            (&[b.clone(), json!("PT1H"), json!("M")], json!("April 07")),
            (&[b.clone(), json!("PT1H"), json!("Y")], json!("2020 April")),
            (&[b.clone(), json!("PT1H"), json!("yyyy-MM-dd HH:mm")], json!("2020-04-07 15:53")),
            (&[b.clone(), json!("PT1H"), json!("yyyyMMddTHHmmssZ")], json!("20200407T155314Z")),
            (&[b.clone(), json!("PT1H"), json!("M d")], json!("4 7")),
            (&[b.clone(), json!("PT1H"), json!("MMM dd, yyyy hh:mm tt")], json!("Apr 07, 2020 03:53 PM")),
            (&[b.clone(), json!("PT1H"), json!("dddd 'at' HH\\h")], json!("Tuesday at 15h")),
            (&[json!("2024-01-15T12:00:00.5+05:30"), json!("PT0S"), json!("yyyy-MM-ddTHH:mm:ss.fffzzz")], json!("2024-01-15T12:00:00.500+05:30")),
            (&[json!("2024-01-15T12:00:00.5+05:30"), json!("PT0S"), json!("u")], json!("2024-01-15 06:30:00Z")),
        ],
    );
    assert!(run(Dialect::Arm, "dateTimeAdd", &[b.clone(), json!("PT1H"), json!("q")]).is_err());
    // hostile dates and durations are errors, never overflows
    for (base, dur) in [
        ("99999999999999999-01-01T00:00:00Z", "P1D"),
        ("9999-12-31T23:59:59Z", "PT1S"),
        ("2020-01-01T00:00:00+99999999999999:00", "P1D"),
        ("2020-01-01T00:00:00Z", "P9999999999999999999Y"),
        ("2020-01-01T00:00:00Z", "P999999999999Y999999999999M999999999999W999999999999D"),
        ("0001-01-01T00:00:00Z", "-PT1S"),
    ] {
        assert!(run(Dialect::Arm, "dateTimeAdd", &[json!(base), json!(dur)]).is_err(), "{base} {dur}");
    }
    assert!(run(Dialect::Policy, "dateTimeToEpoch", &[json!("99999999999999999-01-01")]).is_err());
    assert!(run(Dialect::Arm, "dateTimeAdd", &[b, json!("1 hour")]).is_err());
}

#[test]
fn where_the_dialects_differ() {
    // ARM renders booleans as .NET does (`string(true())` is `True`:
    // Azure/PSRule.Rules.Azure#793, checked against Azure); the Azure Policy
    // conformance suite (regorus string.yaml, join.yaml) wants `true`/`null`.
    for (d, t, n, joined) in [(Dialect::Arm, "True", "", "a,,b"), (Dialect::Policy, "true", "null", "a,null,b")] {
        assert_eq!(run(d, "string", &[json!(true)]), Ok(v(json!(t))));
        assert_eq!(run(d, "string", &[json!(null)]), Ok(v(json!(n))));
        assert_eq!(run(d, "join", &[json!(["a", null, "b"]), json!(",")]), Ok(v(json!(joined))));
    }
    table("string", &[(&[json!({"valueA": 10, "valueB": "Example Text"})], json!("{\"valueA\":10,\"valueB\":\"Example Text\"}"))]);
}

#[test]
fn strings_arrays_objects() {
    // Learn's ARM function pages (string, array, object) and their example outputs.
    table("base64", &[(&[json!("one, two, three")], json!("b25lLCB0d28sIHRocmVl"))]);
    table("base64ToString", &[(&[json!("b25lLCB0d28sIHRocmVl")], json!("one, two, three"))]);
    table("dataUri", &[(&[json!("Hello")], json!("data:text/plain;charset=utf8;base64,SGVsbG8="))]);
    table("dataUriToString", &[(&[json!("data:;base64,SGVsbG8sIFdvcmxkIQ==")], json!("Hello, World!"))]);
    table("uriComponent", &[(&[json!("http://contoso.com/resources/nested/azuredeploy.json")], json!("http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"))]);
    table("uri", &[(&[json!("http://contoso.org/firstpath"), json!("myscript.sh")], json!("http://contoso.org/myscript.sh"))]);
    table("padLeft", &[(&[json!("123"), json!(10), json!("0")], json!("0000000123"))]);
    table("replace", &[(&[json!("123-123-1234"), json!("-"), json!("")], json!("1231231234"))]);
    table("split", &[(&[json!("one;two,three"), json!([",", ";"])], json!(["one", "two", "three"]))]);
    table("indexOf", &[(&[json!("test"), json!("t")], json!(0)), (&[json!("abcdef"), json!("CD")], json!(2)), (&[json!("abcdef"), json!("z")], json!(-1))]);
    table("lastIndexOf", &[(&[json!("test"), json!("t")], json!(3)), (&[json!("abcdef"), json!("AB")], json!(0))]);
    table("startsWith", &[(&[json!("abcdef"), json!("AB")], json!(true)), (&[json!("abcdef"), json!("e")], json!(false))]);
    table("skip", &[(&[json!(["one", "two", "three"]), json!(2)], json!(["three"])), (&[json!("one two three"), json!(4)], json!("two three"))]);
    table("take", &[(&[json!(["one", "two", "three"]), json!(2)], json!(["one", "two"])), (&[json!("on two"), json!(2)], json!("on"))]);
    table("substring", &[(&[json!("one two three"), json!(4), json!(3)], json!("two"))]);
    table("contains", &[(&[json!("OneTwoThree"), json!("e")], json!(true)), (&[json!({"one": "a"}), json!("ONE")], json!(true)), (&[json!(["one", "two"]), json!("three")], json!(false))]);
    table("union", &[
        (&[json!({"one": "a", "two": "b"}), json!({"three": "c", "two": "d"})], json!({"one": "a", "two": "d", "three": "c"})),
        (&[json!(["one", "two", "three"]), json!(["three", "four"])], json!(["one", "two", "three", "four"])),
        (&[json!({"a": {"x": 1, "y": 2}}), json!({"A": {"y": 3}})], json!({"a": {"x": 1, "y": 3}})),
        // Learn's deep-merge example: nested objects merge, nested arrays are replaced
        (&[json!({"property": {"one": "a", "two": "b", "three": "c1"}, "nestedArray": [1, 2]}),
           json!({"property": {"three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]})],
         json!({"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]})),
        (&[json!([["one", "two"], ["three"]]), json!([["three"], ["four", "two"]])], json!([["one", "two"], ["three"], ["four", "two"]])),
    ]);
    table("intersection", &[
        (&[json!({"one": "a", "two": "b", "three": "c"}), json!({"one": "a", "two": "z", "three": "c"})], json!({"one": "a", "three": "c"})),
        (&[json!(["one", "two", "three", "two"]), json!(["two", "three"])], json!(["two", "three"])),
    ]);
    table("items", &[(&[json!({"b": 2, "A": 1})], json!([{"key": "A", "value": 1}, {"key": "b", "value": 2}]))]);
    table("range", &[(&[json!(5), json!(3)], json!([5, 6, 7]))]);
    table("min", &[(&[json!([0, 3, 2, 5, 4])], json!(0)), (&[json!(0), json!(3), json!(2)], json!(0))]);
    table("max", &[(&[json!([0, 3, 2, 5, 4])], json!(5))]);
    table("equals", &[(&[json!({"a": 1}), json!({"A": 1.0})], json!(true)), (&[json!("a"), json!("A")], json!(false))]);
    table("indexFromEnd", &[(&[json!(["a", "b", "c"]), json!(1)], json!("c"))]);
    table("tryGet", &[(&[json!({"a": {"b": 1}}), json!("A"), json!("b")], json!(1)), (&[json!({"a": 1}), json!("z")], json!(null))]);
    table("createObject", &[(&[json!("a"), json!(1)], json!({"a": 1}))]);
    table("int", &[(&[json!("4")], json!(4)), (&[json!(4.7)], json!(4))]);
    table("bool", &[(&[json!("TRUE")], json!(true)), (&[json!(0)], json!(false))]);
    table("div", &[(&[json!(8), json!(3)], json!(2)), (&[json!(7.5), json!(2.5)], json!(3.0))]);
}

#[test]
fn unknowns_and_errors() {
    let u = Value::unknown("later");
    let args = |x: Value| vec![x, v(json!("b"))];
    // strict functions return the unknown argument
    assert_eq!(call(Dialect::Arm, "tolower", "toLower", std::slice::from_ref(&u)), Some(Ok(u.clone())));
    // contains: a known match is still true, otherwise unknown
    let arr = Value::Array(vec![u.clone(), v(json!("b"))]);
    assert_eq!(call(Dialect::Arm, "contains", "contains", &args(arr.clone())), Some(Ok(Value::Bool(true))));
    let miss = call(Dialect::Arm, "contains", "contains", &[arr, v(json!("z"))]);
    assert!(matches!(miss, Some(Ok(Value::Unknown(_)))));
    // createArray keeps the unknown inside
    assert_eq!(call(Dialect::Policy, "createarray", "createArray", std::slice::from_ref(&u)), Some(Ok(Value::Array(vec![u.clone()]))));
    // kinds of errors
    let e = |name: &str, a: Vec<serde_json::Value>| {
        let vals: Vec<Value> = a.into_iter().map(v).collect();
        call(Dialect::Arm, &name.to_ascii_lowercase(), name, &vals).and_then(Result::err).map(|e| e.kind)
    };
    assert_eq!(e("add", vec![json!(1)]), Some(FnErrorKind::Arity));
    assert_eq!(e("add", vec![json!("a"), json!(1)]), Some(FnErrorKind::Type));
    assert_eq!(e("div", vec![json!(1), json!(0)]), Some(FnErrorKind::Type));
    assert_eq!(e("add", vec![json!(i64::MAX), json!(1)]), Some(FnErrorKind::Type));
    assert_eq!(e("range", vec![json!(0), json!(10_001)]), Some(FnErrorKind::Limit));
    assert_eq!(e("padLeft", vec![json!("a"), json!(2_000_000)]), Some(FnErrorKind::Limit));
    assert_eq!(e("substring", vec![json!("1234567890"), json!(0), json!(11)]), Some(FnErrorKind::Type));
    assert!(call(Dialect::Arm, "resourceid", "resourceId", &[Value::Null]).is_none());
}
