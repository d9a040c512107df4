//! What one GraphQL request may cost, decided before the engine touches it.
//!
//! Three checks, each linear in the size of the request, run in this order:
//!
//! 1. [`check_nesting`] reads the query as text and refuses brackets nested
//!    deeper than `graphql.max_nesting`. The parser, validation and argument
//!    conversion all recurse on nesting; a list literal 2,000 deep used to
//!    overflow a worker's stack and abort the process. Counting brackets
//!    needs no recursion, so no input under the body limit can do that now.
//! 2. [`check_variables`] does the same for the JSON variables.
//! 3. [`measure`] walks the parsed document once, each fragment measured once
//!    and remembered (a fragment spread twice per level, 23 levels deep, is
//!    2^23 fields but 23 fragments), and refuses fragment cycles, fragments
//!    spread too deep, too many aliases and a cost above
//!    `graphql.max_complexity`.
//!
//! The cost counts the fields the answer may hold, as GitHub's GraphQL API
//! counts nodes: a connection multiplies what is selected under it by the
//! page it asks for (`first` or `last`, else the default page), a plain list
//! of objects by [`LIST_ESTIMATE`]. What the schema declares is read once
//! from its SDL ([`Shape`]).

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, FragmentDefinition, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Positioned, Value, Variables};
use async_graphql_value::Value as Literal;

use crate::config::GraphqlSettings;
use crate::domain::cursor::DEFAULT_PAGE;
use crate::error::{AppError, ErrorCode};
use crate::text;

/// What a plain list of objects (a body's people, a meeting's attendance) is
/// counted as: such lists are bounded by the organisation, not by the query.
pub const LIST_ESTIMATE: u64 = 10;

/// The largest page a connection gives (`first` above it is refused anyway).
const MAX_PAGE: u64 = 100;

/// Refuses a query whose brackets (`{`, `[`, `(`) nest deeper than `max`,
/// outside strings and comments.
pub fn check_nesting(query: &str, max: usize) -> Result<(), AppError> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // A block string ends at the next `"""` not escaped as `\"""`.
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(too_nested(max));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Refuses variables whose lists and objects nest deeper than `max`, or
/// holding a NUL character (no text of Plenum's may: PostgreSQL refuses it,
/// SQLite would store it). The refusal names the variable.
pub fn check_variables(variables: &Variables, max: usize) -> Result<(), Refusal> {
    for (name, value) in variables.iter() {
        // A stack of the values still to look at, with their depth: no recursion.
        let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
        while let Some((value, depth)) = stack.pop() {
            if matches!(value, Value::List(_) | Value::Object(_)) && depth > max {
                return Err(too_nested(max).into());
            }
            match value {
                Value::List(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
                Value::Object(fields) => stack.extend(fields.values().map(|v| (v, depth + 1))),
                Value::String(text) if text.contains('\0') => {
                    return Err(Refusal::nul(name.as_str()));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Why a request is refused, with the argument or variable at fault.
#[derive(Debug)]
pub struct Refusal {
    pub error: AppError,
    pub field: Option<String>,
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Refusal { error, field: None }
    }
}

impl Refusal {
    fn nul(field: &str) -> Refusal {
        Refusal {
            error: AppError::new(
                ErrorCode::Validation,
                text!(en: "Text cannot contain the NUL character (U+0000).", fr: "Un texte ne peut pas contenir le caractère NUL (U+0000)."),
            ),
            field: Some(field.to_owned()),
        }
    }
}

fn too_nested(max: usize) -> AppError {
    AppError::new(
        ErrorCode::Validation,
        text!(en: "The request nests brackets more than {max} deep.", fr: "La requête imbrique des crochets ou accolades sur plus de {max} niveaux."),
    )
}

/// How a field's value grows the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Growth {
    /// One value (or a scalar list, counted as one).
    One,
    /// A page of a connection: `first`/`last`, else the default page.
    Page,
    /// A plain list of objects.
    List,
}

/// The schema's object fields, as the cost needs them: for each type and
/// field, the type it leads to and how it grows the answer.
#[derive(Debug, Default)]
pub struct Shape {
    fields: HashMap<String, HashMap<String, FieldShape>>,
    /// Each input object's fields and their (named) types.
    inputs: HashMap<String, HashMap<String, String>>,
    objects: std::collections::HashSet<String>,
    roots: [String; 3],
}

/// A field of an object type.
#[derive(Debug)]
struct FieldShape {
    leads_to: String,
    growth: Growth,
    /// Its arguments' (named) types.
    arguments: HashMap<String, String>,
}

/// The scalars that hold a date or a time, checked against
/// [`crate::domain::dates::YEARS`].
const DATE_SCALARS: [&str; 3] = ["NaiveDate", "DateTime", "NaiveDateTime"];

impl Shape {
    /// Reads the schema's SDL (as `plenum schema` prints it).
    pub fn from_sdl(sdl: &str) -> Shape {
        let mut shape = Shape {
            roots: ["Query".into(), "Mutation".into(), "Subscription".into()],
            ..Shape::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return shape;
        };
        for definition in &document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let s = &schema.node;
                    for (slot, name) in [&s.query, &s.mutation, &s.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(name) = name {
                            shape.roots[slot] = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let fields = match &ty.node.kind {
                        TypeKind::Object(o) => &o.fields,
                        TypeKind::Interface(i) => &i.fields,
                        TypeKind::Union(_) => {
                            shape.objects.insert(ty.node.name.node.to_string());
                            continue;
                        }
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .iter()
                                .map(|f| {
                                    let f = &f.node;
                                    (f.name.node.to_string(), named(&f.ty.node.base).0)
                                })
                                .collect();
                            shape.inputs.insert(ty.node.name.node.to_string(), fields);
                            continue;
                        }
                        _ => continue,
                    };
                    let name = ty.node.name.node.to_string();
                    shape.objects.insert(name.clone());
                    let of_type = fields
                        .iter()
                        .map(|f| {
                            let f = &f.node;
                            let (leads_to, list) = named(&f.ty.node.base);
                            let paged = f.arguments.iter().any(|a| {
                                let n = a.node.name.node.as_str();
                                n == "first" || n == "last"
                            });
                            let growth = if paged && leads_to.ends_with("Connection") {
                                Growth::Page
                            } else if list && !name.ends_with("Connection") {
                                // A connection's `nodes` and `edges` are its page.
                                Growth::List
                            } else {
                                Growth::One
                            };
                            let arguments = f
                                .arguments
                                .iter()
                                .map(|a| {
                                    let a = &a.node;
                                    (a.name.node.to_string(), named(&a.ty.node.base).0)
                                })
                                .collect();
                            (
                                f.name.node.to_string(),
                                FieldShape {
                                    leads_to,
                                    growth,
                                    arguments,
                                },
                            )
                        })
                        .collect();
                    shape.fields.insert(name, of_type);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        // A list of scalars is one value; only lists of objects multiply.
        for fields in shape.fields.values_mut() {
            for field in fields.values_mut() {
                if field.growth == Growth::List && !shape.objects.contains(field.leads_to.as_str())
                {
                    field.growth = Growth::One;
                }
            }
        }
        shape
    }

    fn field(&self, on: &str, name: &str) -> Option<&FieldShape> {
        self.fields.get(on).and_then(|f| f.get(name))
    }
}

/// The named type at the bottom of a type, and whether it is a list.
fn named(base: &BaseType) -> (String, bool) {
    match base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named(&inner.base).0, true),
    }
}

/// What a document asks for, fragments counted each time they are spread.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// The fields the answer may hold, pages and lists multiplied.
    pub cost: u64,
    /// The aliases written, counted each time their fragment is spread.
    pub aliases: u64,
}

impl Measure {
    fn add(self, other: Measure) -> Measure {
        Measure {
            cost: self.cost.saturating_add(other.cost),
            aliases: self.aliases.saturating_add(other.aliases),
        }
    }
}

/// Measures every operation of a document and refuses one over the limits.
pub fn check_document(
    document: &ExecutableDocument,
    variables: &Variables,
    shape: &Shape,
    limits: &GraphqlSettings,
) -> Result<Measure, Refusal> {
    let measure = measure(document, variables, shape, limits.max_nesting)?;
    if measure.aliases > limits.max_aliases as u64 {
        let (aliases, max) = (measure.aliases, limits.max_aliases);
        return Err(AppError::new(
            ErrorCode::Validation,
            text!(en: "The query uses {aliases} aliases; at most {max} are allowed.", fr: "La requête utilise {aliases} alias ; {max} au plus sont permis."),
        )
        .into());
    }
    if measure.cost > limits.max_complexity as u64 {
        let (cost, max) = (measure.cost, limits.max_complexity);
        return Err(AppError::new(
            ErrorCode::Validation,
            text!(en: "The query may return {cost} fields (pages and lists counted in full); at most {max} are allowed. Ask for smaller pages or fewer fields.", fr: "La requête peut renvoyer {cost} champs (pages et listes comptées en entier) ; {max} au plus sont permis. Demandez des pages plus petites ou moins de champs."),
        )
        .into());
    }
    Ok(measure)
}

/// The measure of a whole document (every operation in it).
pub fn measure(
    document: &ExecutableDocument,
    variables: &Variables,
    shape: &Shape,
    max_nesting: usize,
) -> Result<Measure, Refusal> {
    let mut walk = Walk {
        fragments: &document.fragments,
        variables,
        shape,
        done: HashMap::new(),
        max_nesting,
    };
    let mut total = Measure::default();
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value {
                let ty = named(&definition.var_type.node.base).0;
                let name = definition.name.node.as_str();
                walk.argument(&default.node.clone().into_value(), &ty, name)?;
            }
        }
        let root = match operation.node.ty {
            async_graphql::parser::types::OperationType::Query => &shape.roots[0],
            async_graphql::parser::types::OperationType::Mutation => &shape.roots[1],
            async_graphql::parser::types::OperationType::Subscription => &shape.roots[2],
        };
        total = total.add(walk.set(&operation.node.selection_set.node, root, 0)?);
    }
    Ok(total)
}

struct Walk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    shape: &'a Shape,
    /// Each fragment's measure once known; `None` while it is being measured.
    done: HashMap<&'a str, Option<Measure>>,
    max_nesting: usize,
}

impl<'a> Walk<'a> {
    fn set(&mut self, set: &'a SelectionSet, on: &str, depth: usize) -> Result<Measure, Refusal> {
        // Selections nest no deeper than the text's brackets, but fragments
        // may chain: bound both, so that this walk cannot recurse without end.
        if depth > self.max_nesting {
            return Err(too_nested(self.max_nesting).into());
        }
        let mut total = Measure::default();
        for item in &set.items {
            let measure = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let shape = self.shape.field(on, field.name.node.as_str());
                    for (name, value) in &field.arguments {
                        let name = name.node.as_str();
                        let ty = shape.and_then(|s| s.arguments.get(name));
                        self.argument(&value.node, ty.map_or("", String::as_str), name)?;
                    }
                    let (leads_to, growth) = shape
                        .map(|f| (f.leads_to.as_str(), f.growth))
                        .unwrap_or(("", Growth::One));
                    let inner = self.set(&field.selection_set.node, leads_to, depth + 1)?;
                    let times = match growth {
                        Growth::One => 1,
                        Growth::List => LIST_ESTIMATE,
                        Growth::Page => self.page(field),
                    };
                    Measure {
                        cost: inner.cost.saturating_add(1).saturating_mul(times),
                        aliases: inner.aliases + u64::from(field.alias.is_some()),
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = inline
                        .type_condition
                        .as_ref()
                        .map_or(on, |c| c.node.on.node.as_str());
                    self.set(&inline.selection_set.node, on, depth + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), depth + 1)?
                }
            };
            total = total.add(measure);
        }
        Ok(total)
    }

    fn fragment(&mut self, name: &str, depth: usize) -> Result<Measure, Refusal> {
        let Some((key, definition)) = self.fragments.get_key_value(name) else {
            // An unknown fragment is refused by validation, with its name.
            return Ok(Measure::default());
        };
        match self.done.get(key.as_str()) {
            Some(Some(measure)) => return Ok(*measure),
            Some(None) => {
                return Err(AppError::new(
                    ErrorCode::Validation,
                    text!(en: "The fragment `{name}` spreads itself.", fr: "Le fragment `{name}` s'inclut lui-même."),
                )
                .into());
            }
            None => {}
        }
        self.done.insert(key.as_str(), None);
        let on = definition.node.type_condition.node.on.node.as_str();
        let measure = self.set(&definition.node.selection_set.node, on, depth)?;
        self.done.insert(key.as_str(), Some(measure));
        Ok(measure)
    }

    /// Refuses, in an argument's value of type `ty` (`""` when unknown),
    /// a NUL character written in the query, or a date out of range written
    /// or passed in a variable; names the innermost input field. (Nesting is
    /// bounded by [`check_nesting`], which ran first; variables' NULs by
    /// [`check_variables`].)
    fn argument(&self, value: &Literal, ty: &str, field: &str) -> Result<(), Refusal> {
        match value {
            Literal::Variable(name) => match self.variables.get(name) {
                Some(value) => self.variable_dates(value, ty, field),
                None => Ok(()),
            },
            Literal::String(text) if text.contains('\0') => Err(Refusal::nul(field)),
            Literal::String(text) if DATE_SCALARS.contains(&ty) => out_of_range(text, field),
            Literal::List(items) => items.iter().try_for_each(|v| self.argument(v, ty, field)),
            Literal::Object(fields) => fields.iter().try_for_each(|(name, v)| {
                let ty = self.shape.inputs.get(ty).and_then(|f| f.get(name.as_str()));
                self.argument(v, ty.map_or("", String::as_str), name.as_str())
            }),
            _ => Ok(()),
        }
    }

    /// [`Walk::argument`]'s dates, for a variable's value.
    fn variable_dates(&self, value: &Value, ty: &str, field: &str) -> Result<(), Refusal> {
        match value {
            Value::String(text) if DATE_SCALARS.contains(&ty) => out_of_range(text, field),
            Value::List(items) => items
                .iter()
                .try_for_each(|v| self.variable_dates(v, ty, field)),
            Value::Object(fields) => fields.iter().try_for_each(|(name, v)| {
                match self.shape.inputs.get(ty).and_then(|f| f.get(name.as_str())) {
                    Some(ty) => self.variable_dates(v, ty, name.as_str()),
                    None => Ok(()),
                }
            }),
            _ => Ok(()),
        }
    }

    /// The page a connection field asks for: its `first` or `last`, written
    /// or in a variable, else the default page.
    fn page(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let asked =
            ["first", "last"]
                .iter()
                .find_map(|name| match &field.get_argument(name)?.node {
                    Literal::Variable(v) => match self.variables.get(v)? {
                        Value::Number(n) => n.as_u64(),
                        _ => None,
                    },
                    Literal::Number(n) => n.as_u64(),
                    _ => None,
                });
        asked.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
    }
}

fn out_of_range(text: &str, field: &str) -> Result<(), Refusal> {
    crate::domain::dates::check_written(text).map_err(|error| Refusal {
        error,
        field: Some(field.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { organisation: Organisation viewer: Person }
        type Organisation { name: String! members(first: Int, last: Int): MemberConnection! bodies: [Body!]! tags: [String!]! }
        type MemberConnection { nodes: [Member!]! edges: [MemberEdge!]! }
        type MemberEdge { node: Member! }
        type Member { role: String! organisation: Organisation! }
        type Body { name: String! }
        type Person { name: String! }
    ";

    fn measured(query: &str) -> Result<Measure, Refusal> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        measure(&document, &Variables::default(), &Shape::from_sdl(SDL), 40)
    }

    fn cost(query: &str) -> u64 {
        measured(query).unwrap().cost
    }

    #[test]
    fn a_connection_multiplies_what_it_selects_by_its_page() {
        assert_eq!(cost("{ organisation { name } }"), 2);
        // members (1 + nodes (1 + role 1)) × 100, then organisation + 1.
        assert_eq!(
            cost("{ organisation { members(first: 100) { nodes { role } } } }"),
            1 + 100 * 3
        );
        assert_eq!(
            cost("{ organisation { members { nodes { role } } } }"),
            1 + DEFAULT_PAGE * 3
        );
        // Nested pages multiply: the probe's 100 × 100 × 100 answer.
        let nested = "{ organisation { members(first: 100) { nodes { organisation { members(first: 100) { nodes { organisation { members(first: 100) { nodes { role } } } } } } } } } }";
        assert!(cost(nested) > 1_000_000);
    }

    #[test]
    fn a_page_in_a_variable_counts_and_absurd_pages_count_as_the_largest() {
        let document = async_graphql::parser::parse_query(
            "query($n: Int) { organisation { members(first: $n) { nodes { role } } } }",
        )
        .unwrap();
        let variables = Variables::from_json(serde_json::json!({ "n": 50 }));
        let m = measure(&document, &variables, &Shape::from_sdl(SDL), 40).unwrap();
        assert_eq!(m.cost, 1 + 50 * 3);
        assert_eq!(
            cost("{ organisation { members(last: 100000) { nodes { role } } } }"),
            1 + 100 * 3
        );
    }

    #[test]
    fn lists_of_objects_count_by_the_estimate_and_lists_of_words_as_one() {
        assert_eq!(
            cost("{ organisation { bodies { name } tags } }"),
            1 + LIST_ESTIMATE * 2 + 1
        );
    }

    #[test]
    fn a_fragment_bomb_is_measured_in_linear_time() {
        let mut query = String::from("query { ...F0 }");
        for i in 0..30 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F30 on Query { a: __typename }");
        let m = measured(&query).unwrap();
        assert_eq!(m.cost, 1 << 30);
        assert_eq!(m.aliases, 1 << 30);
    }

    #[test]
    fn fragment_cycles_and_long_chains_are_refused() {
        let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(
            measured(cycle).unwrap_err().error.code,
            ErrorCode::Validation
        );
        let mut chain = String::from("{ ...F0 }");
        for i in 0..100 {
            chain.push_str(&format!(" fragment F{i} on Query {{ ...F{} }}", i + 1));
        }
        chain.push_str(" fragment F100 on Query { __typename }");
        assert_eq!(
            measured(&chain).unwrap_err().error.code,
            ErrorCode::Validation
        );
    }

    #[test]
    fn aliases_are_counted_through_fragments() {
        let m = measured(
            "query { a: viewer { name } ...F ...F } fragment F on Query { b: viewer { c: name } }",
        )
        .unwrap();
        assert_eq!(m.aliases, 5);
    }

    #[test]
    fn brackets_are_counted_outside_strings_and_comments() {
        assert!(check_nesting("{ a { b { c } } }", 3).is_ok());
        assert!(check_nesting("{ a { b { c { d } } } }", 3).is_err());
        let deep_list = format!(
            "{{ viewer(x: {}1{}) {{ id }} }}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        assert!(check_nesting(&deep_list, 40).is_err());
        let deep_object = format!(
            "{{ viewer(x: {}1{}) {{ id }} }}",
            "{a:".repeat(2000),
            "}".repeat(2000)
        );
        assert!(check_nesting(&deep_object, 40).is_err());
        // Brackets in strings, block strings and comments do not count.
        let quoted = format!(
            "{{ a(s: \"{0}\\\"{0}\", t: \"\"\"{0}\\\"\"\"{0}\"\"\") # {0}\n }}",
            "[[[[["
        );
        assert!(check_nesting(&quoted, 2).is_ok(), "{quoted}");
    }

    #[test]
    fn deep_variables_are_refused() {
        let variables =
            Variables::from_json(serde_json::json!({ "x": [[[1]]], "y": {"a": {"b": 1}} }));
        assert!(check_variables(&variables, 3).is_ok());
        assert!(check_variables(&variables, 2).is_err());
    }

    #[test]
    fn dates_out_of_range_are_refused_with_their_field_written_or_in_variables() {
        let sdl = "type Query { a(on: NaiveDate, input: In): String }
                   input In { closesAt: DateTime list: [NaiveDate!] nested: In }
                   scalar NaiveDate scalar DateTime";
        let shape = Shape::from_sdl(sdl);
        let check = |query: &str, variables: serde_json::Value| {
            let document = async_graphql::parser::parse_query(query).unwrap();
            measure(&document, &Variables::from_json(variables), &shape, 40)
                .err()
                .and_then(|r| r.field)
        };
        assert_eq!(
            check("{ a(on: \"2026-12-03\") }", serde_json::json!({})),
            None
        );
        assert_eq!(
            check("{ a(on: \"0000-01-01\") }", serde_json::json!({})).as_deref(),
            Some("on")
        );
        assert_eq!(
            check(
                "{ a(input: { nested: { closesAt: \"9999-12-31T00:00:00Z\" } }) }",
                serde_json::json!({})
            )
            .as_deref(),
            Some("closesAt")
        );
        assert_eq!(
            check(
                "query($i: In) { a(input: $i) }",
                serde_json::json!({ "i": { "list": ["2026-01-01", "+10000-01-01"] } })
            )
            .as_deref(),
            Some("list")
        );
        assert_eq!(
            check(
                "query($d: NaiveDate) { a(on: $d) }",
                serde_json::json!({ "d": "2027-01-01" })
            ),
            None
        );
    }

    #[test]
    fn nul_is_refused_in_literals_and_variables_with_their_name() {
        let r = measured("{ organisation(slug: \"a\\u0000b\") { name } }").unwrap_err();
        assert_eq!(r.field.as_deref(), Some("slug"));
        let r = measured("query($s: String = \"\\u0000\") { viewer { name } }").unwrap_err();
        assert_eq!(r.field.as_deref(), Some("s"));
        let variables =
            Variables::from_json(serde_json::json!({ "input": { "title": ["x\u{0}"] } }));
        let r = check_variables(&variables, 10).unwrap_err();
        assert_eq!(r.field.as_deref(), Some("input"));
    }
}
