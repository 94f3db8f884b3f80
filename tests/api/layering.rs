//! The direction of dependencies inside `src/`: a module may import only from its own layer
//! and the layers below it, and no files import each other in a circle.
//!
//! Read from the source text (the `use` trees and inline `crate::`/`super::` paths of every
//! file, its `#[cfg(test)] mod tests` left out), so that a new import against the direction
//! fails here, in review, before it grows into a knot.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. A module belongs to the layer of the longest prefix listed here.
const LAYERS: &[&[&str]] = &[
    // Pure rules and the clock.
    &["domain", "clock"],
    // What everything reads: the profile, configuration, errors, logging.
    &["profile", "config", "error", "telemetry"],
    // The database and the token verifier.
    &["db", "auth::jwt"],
    // What every handler can reach.
    &["state"],
    // Who is calling.
    &["auth"],
    // Extractors and middleware.
    &["http"],
    // Shared response and document types, their renderers, the webhook worker.
    &["views", "export", "webhooks"],
    // Handlers.
    &["api", "oparl"],
    // The route list and the document assembled from it.
    &["openapi", "routes"],
    // Entry points.
    &["startup", "cli", "bench_data", ""],
];

/// A module path (`api::projects::catalogue`, `` for the crate root) and the modules it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn lower_layers_never_import_higher_ones() {
    let graph = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.len() > 100, "read only {} files", graph.len());
    let upward = upward_imports(&graph);
    assert!(
        upward.is_empty(),
        "imports against the layering (see LAYERS):\n{}",
        upward.join("\n")
    );
}

/// Modules that may talk to the database directly: the database layer, and the generator of
/// benchmark data, which fills a database of its own.
const QUERYING: &[&str] = &["db", "bench_data"];

#[test]
fn queries_live_in_the_database_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    collect(&src, &src, &mut files);
    let querying = |module: &str| {
        QUERYING
            .iter()
            .any(|q| module == *q || module.starts_with(&format!("{q}::")))
    };
    let outside: Vec<String> = files
        .iter()
        .filter(|(module, _)| !querying(module))
        .filter(|(_, text)| {
            let code = code_of(text);
            ["db::schema", "RunQueryDsl", "sql_query"]
                .iter()
                .any(|needle| code.contains(needle))
        })
        .map(|(module, _)| module.clone())
        .collect();
    assert!(
        outside.is_empty(),
        "modules that query the database outside `db` (move the query into `db`): {outside:?}"
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let cycles = cycles(&graph);
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
    // Between the layer units too (`auth` and `state`, say), not only between files.
    let units = unit_graph(&graph);
    let cycles = cycles_of(&units);
    assert!(cycles.is_empty(), "cycles between layer units: {cycles:#?}");
}

#[test]
fn the_checks_see_a_circle_and_an_upward_import() {
    let mut graph = Graph::new();
    graph.insert("db::a".into(), ["db::b".into()].into());
    graph.insert("db::b".into(), ["db::a".into(), "api::x".into()].into());
    graph.insert("api::x".into(), BTreeSet::new());
    assert_eq!(
        cycles(&graph),
        vec![vec!["db::a".to_owned(), "db::b".to_owned()]]
    );
    assert_eq!(upward_imports(&graph), vec!["db::b -> api::x".to_owned()]);
}

fn layer_of(module: &str) -> (usize, &'static str) {
    let mut best: Option<(usize, &'static str)> = None;
    for (index, prefixes) in LAYERS.iter().enumerate() {
        for prefix in prefixes.iter() {
            let matches = prefix.is_empty()
                || module == *prefix
                || module.starts_with(&format!("{prefix}::"));
            if matches && best.is_none_or(|(_, b)| prefix.len() > b.len()) {
                best = Some((index, prefix));
            }
        }
    }
    best.expect("the root layer matches everything")
}

fn upward_imports(graph: &Graph) -> Vec<String> {
    let mut found = Vec::new();
    for (from, targets) in graph {
        for to in targets {
            if layer_of(to).0 > layer_of(from).0 {
                found.push(format!("{from} -> {to}"));
            }
        }
    }
    found
}

fn unit_graph(graph: &Graph) -> Graph {
    let mut units = Graph::new();
    for (from, targets) in graph {
        let from_unit = layer_of(from).1;
        let entry = units.entry(from_unit.to_owned()).or_default();
        for to in targets {
            let to_unit = layer_of(to).1;
            if to_unit != from_unit {
                entry.insert(to_unit.to_owned());
            }
        }
    }
    units
}

fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    cycles_of(graph)
}

/// The strongly connected components with more than one member (Tarjan).
fn cycles_of(graph: &Graph) -> Vec<Vec<String>> {
    struct Search<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Search<'g> {
        fn visit(&mut self, node: &'g str) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                loop {
                    let member = self.stack.pop().expect("the node is on the stack");
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    search.found.sort();
    search.found
}

/// Every `.rs` file under `src` as a module path, with the modules its imports resolve to.
fn import_graph(src: &Path) -> Graph {
    let mut files = BTreeMap::new();
    collect(src, src, &mut files);
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = Graph::new();
    for (module, text) in &files {
        let here: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
        let mut targets = BTreeSet::new();
        for path in paths_in(&code_of(text)) {
            let mut segments: Vec<&str> = path.split("::").collect();
            let mut absolute: Vec<&str> = match segments.first() {
                Some(&"crate") => {
                    segments.remove(0);
                    Vec::new()
                }
                // `self` is the module itself, each `super` one level up (in `a/b.rs` and in
                // `a/b/mod.rs` alike: both are the module `a::b`).
                Some(&"super") | Some(&"self") => {
                    let mut start = here.clone();
                    if segments[0] == "self" {
                        segments.remove(0);
                    }
                    while segments.first() == Some(&"super") {
                        segments.remove(0);
                        start.pop();
                    }
                    start
                }
                _ => continue,
            };
            absolute.extend(segments);
            while !absolute.is_empty() {
                let candidate = absolute.join("::");
                if modules.contains(&candidate) {
                    if candidate != *module {
                        targets.insert(candidate);
                    }
                    break;
                }
                absolute.pop();
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, files);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .expect("under src")
            .with_extension("");
        let mut parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] || parts == ["main"] {
            parts.pop();
        }
        let text = std::fs::read_to_string(&path).expect("a readable source file");
        files.insert(parts.join("::"), text);
    }
}

/// The text without line comments and without the unit tests at the end of the file.
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let without_comment = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

/// The `crate::`/`super::`/`self::` paths of the `use` trees (braces expanded) and of inline
/// paths such as `crate::db::pool()`.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_use(rest) {
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        // `x as y` keeps `x`: mark the alias before the spaces go.
        let tree: String = after[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" as ", "@")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        expand(&tree, &mut paths);
        rest = &after[end..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            let preceded_by_path = at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':');
            if preceded_by_path {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(path.trim_end_matches(':').to_owned());
        }
    }
    paths
}

fn find_use(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        let starts_word = at == 0 || !code.as_bytes()[at - 1].is_ascii_alphanumeric();
        if starts_word {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str, out: &mut Vec<String>) {
    let Some(open) = tree.find('{') else {
        out.push(tree.split('@').next().unwrap_or(tree).to_owned());
        return;
    };
    let prefix = &tree[..open];
    let close = tree.rfind('}').unwrap_or(tree.len());
    let mut depth = 0;
    let mut part = String::new();
    for c in tree[open + 1..close].chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                if !part.is_empty() {
                    expand(&format!("{prefix}{part}"), out);
                }
                part.clear();
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    if !part.is_empty() {
        expand(&format!("{prefix}{part}"), out);
    }
}
