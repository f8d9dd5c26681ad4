//! Execution of a parsed template (Go's `text/template` exec.go), with Go's rules for argument
//! checking, field lookup, truth, variables, `range`/`break`/`continue`, and its error texts
//! (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`).
//!
//! Go's reflection is replaced by [`Value`]'s closed set of types; function signatures are
//! declared as [`Sig`]s so that arguments are checked and converted as Go's `evalArg` does.

use super::ast::{Branch, Command, Node, Number, Operand, Pipe, Variable};
use super::builtins;
use super::parse::{MAX_DEPTH, TreeSet};
use super::value::{QUERY_RESULT, SAMPLE_PTR, Value};

/// The Go type of a function parameter, as far as argument checking needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// `interface{}`: anything, nil included.
    Any,
    /// `reflect.Value` (Go's builtins): anything, nil included.
    Reflect,
    /// `string`.
    String,
    /// A pointer or slice type such as `*template.sample`: nil or exactly that type.
    Named(&'static str),
}

impl Param {
    fn go_name(self) -> &'static str {
        match self {
            Param::Any => "interface {}",
            Param::Reflect => "reflect.Value",
            Param::String => "string",
            Param::Named(t) => t,
        }
    }
}

/// A function's parameter list (Go's `reflect.Type` of the function, for `evalCall`).
#[derive(Clone, Debug)]
pub(crate) struct Sig {
    pub params: &'static [Param],
    pub variadic: Option<Param>,
}

pub(crate) const SAMPLE: Param = Param::Named(SAMPLE_PTR);
pub(crate) const QUERY_RES: Param = Param::Named(QUERY_RESULT);

/// The functions a template may call besides Go's builtins (Prometheus's `FuncMap`).
pub(crate) trait Funcs {
    fn sig(&self, name: &str) -> Option<Sig>;
    /// Calls `name`; `Err` is the error text Go would return (or the recovered panic).
    fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, String>;
}

/// An execution error, with Go's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecError {
    pub message: String,
}

enum Flow {
    Break,
    Continue,
    Err(ExecError),
}

impl From<ExecError> for Flow {
    fn from(e: ExecError) -> Self {
        Flow::Err(e)
    }
}

type R<T> = Result<T, Flow>;

/// The node execution is at, for error messages.
#[derive(Clone, Copy)]
enum At<'t> {
    None,
    Node(&'t Node),
    Pipe(&'t Pipe),
    Cmd(&'t Command),
    Op(&'t Operand),
    Var(&'t Variable),
}

impl At<'_> {
    fn pos(&self) -> usize {
        match self {
            At::None => 0,
            At::Node(n) => match n {
                Node::Text { .. } => 0,
                Node::Action { pos, .. }
                | Node::Template { pos, .. }
                | Node::Break { pos }
                | Node::Continue { pos } => *pos,
                Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
            },
            At::Pipe(p) => p.pos,
            At::Cmd(c) => c.pos,
            At::Op(o) => o.pos(),
            At::Var(v) => v.pos,
        }
    }

    fn text(&self) -> String {
        match self {
            At::None => String::new(),
            At::Node(n) => n.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Op(o) => o.to_string(),
            At::Var(v) => v.to_string(),
        }
    }
}

/// A value with the static type Go's field walk sees: values read from `interface{}` fields and
/// map elements keep the interface type until the pipeline ends (it shows in error messages).
struct Recv {
    value: Value,
    iface: bool,
}

pub(crate) struct Exec<'t, 'f> {
    trees: &'t TreeSet,
    text: &'t str,
    parse_name: &'t str,
    name: String,
    out: String,
    vars: Vec<(String, Value)>,
    at: At<'t>,
    depth: usize,
    steps: u64,
    funcs: &'f mut dyn Funcs,
}

/// Execution budget. Go has none (a runaway template hangs Prometheus's rule evaluation); we
/// stop with an error so that `mlmon-lint test` cannot hang or exhaust memory.
const MAX_STEPS: u64 = 1_000_000;
const MAX_OUTPUT: usize = 16 << 20;

/// Runs template `name` of `trees` (parsed from `text` as `parse_name`) on `data`.
pub(crate) fn execute(
    trees: &TreeSet,
    text: &str,
    parse_name: &str,
    name: &str,
    data: &Value,
    funcs: &mut dyn Funcs,
) -> Result<String, ExecError> {
    let mut ex = Exec {
        trees,
        text,
        parse_name,
        name: name.to_string(),
        out: String::new(),
        vars: vec![("$".into(), data.clone())],
        at: At::None,
        depth: 0,
        steps: 0,
        funcs,
    };
    let Some(root) = trees.get(name) else {
        return Err(ExecError {
            message: format!(
                "template: {name}: {} is an incomplete or empty template",
                crate::go::strconv::quote(name)
            ),
        });
    };
    match ex.walk_list(data, root) {
        Ok(()) => Ok(ex.out),
        Err(Flow::Err(e)) => Err(e),
        // The parser rejects break/continue outside range.
        Err(Flow::Break | Flow::Continue) => Ok(ex.out),
    }
}

impl<'t> Exec<'t, '_> {
    fn at(&mut self, at: At<'t>) {
        self.at = at;
    }

    fn errorf<T>(&self, msg: impl Into<String>) -> R<T> {
        let msg = msg.into();
        if let At::None = self.at {
            return Err(Flow::Err(ExecError { message: format!("template: {}: {}", self.name, msg) }));
        }
        let pos = self.at.pos().min(self.text.len());
        let before = self.text.get(..pos).unwrap_or("");
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        Err(Flow::Err(ExecError {
            message: format!(
                "template: {}:{}:{}: executing {} at <{}>: {}",
                self.parse_name,
                line,
                col,
                crate::go::strconv::quote(&self.name),
                self.at.text(),
                msg
            ),
        }))
    }

    fn var_value(&self, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    fn set_var(&mut self, name: &str, value: Value) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Value) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn walk_list(&mut self, dot: &Value, list: &'t [Node]) -> R<()> {
        for n in list {
            self.walk(dot, n)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Value, node: &'t Node) -> R<()> {
        self.at(At::Node(node));
        self.steps += 1;
        if self.steps > MAX_STEPS || self.out.len() > MAX_OUTPUT {
            return self.errorf("template execution exceeds mlmon-lint's limits (10^6 steps, 16 MiB of output)");
        }
        match node {
            Node::Text { text } => {
                self.out.push_str(text);
                Ok(())
            }
            Node::Action { pipe, .. } => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(At::Node(node));
                    self.print_value(&v);
                }
                Ok(())
            }
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref()),
            Node::Break { .. } => Err(Flow::Break),
            Node::Continue { .. } => Err(Flow::Continue),
        }
    }

    fn print_value(&mut self, v: &Value) {
        match v {
            Value::Nil => self.out.push_str("<no value>"),
            v => self.out.push_str(&crate::go::fmt::sprint(&[v.to_printable_arg()])),
        }
    }

    fn nest<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        if self.depth >= MAX_DEPTH {
            return self.errorf(format!("exceeded maximum template depth ({})", 100_000));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Value, b: &'t Branch) -> R<()> {
        let mark = self.vars.len();
        let r = self.nest(|s| {
            let val = s.eval_pipeline(dot, &b.pipe)?;
            if val.is_true() {
                if with { s.walk_list(&val, &b.list) } else { s.walk_list(dot, &b.list) }
            } else if let Some(e) = &b.else_list {
                s.walk_list(dot, e)
            } else {
                Ok(())
            }
        });
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Value, node: &'t Node, b: &'t Branch) -> R<()> {
        self.at(At::Node(node));
        let mark0 = self.vars.len();
        let r = self.nest(|s| s.range_inner(dot, b));
        self.vars.truncate(mark0);
        match r {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn range_inner(&mut self, dot: &Value, b: &'t Branch) -> R<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let items: Box<dyn Iterator<Item = (Value, Value)>> = match &val {
            Value::List(l) => Box::new(l.iter().enumerate().map(|(i, v)| (Value::Int(i as i64), v.clone()))),
            Value::Samples(s) => {
                Box::new(s.iter().enumerate().map(|(i, v)| (Value::Int(i as i64), Value::Sample(v.clone()))))
            }
            Value::StrMap(m) => Box::new(m.iter().map(|(k, v)| (Value::String(k.clone()), Value::String(v.clone())))),
            Value::AnyMap(m) => Box::new(m.iter().map(|(k, v)| (Value::String(k.clone()), v.clone()))),
            Value::Int(_) | Value::NamedInt { .. } | Value::Byte(_) => {
                // Go ranges over 0..n (nothing for n <= 0), one variable only.
                if b.pipe.decl.len() > 1 {
                    let shown = crate::go::fmt::sprint(&[val.to_printable_arg()]);
                    return self.errorf(format!("can't use {shown} to iterate over more than one variable"));
                }
                match &val {
                    Value::Byte(n) => Box::new((0..*n).map(|i| (Value::Nil, Value::Byte(i)))),
                    Value::Int(n) | Value::NamedInt { value: n, .. } => {
                        Box::new((0..*n).map(|i| (Value::Nil, Value::Int(i))))
                    }
                    _ => Box::new(std::iter::empty()),
                }
            }
            Value::Nil => Box::new(std::iter::empty()),
            other => {
                let shown = crate::go::fmt::sprint(&[other.to_printable_arg()]);
                return self.errorf(format!("range can't iterate over {shown}"));
            }
        };
        let mut items = items.peekable();
        if items.peek().is_none() {
            if let Some(e) = &b.else_list {
                return self.walk_list(dot, e);
            }
            return Ok(());
        }
        let decl = &b.pipe.decl;
        for (index, elem) in items {
            if let Some(first) = decl.first() {
                if b.pipe.is_assign {
                    let name = first.ident.first().map_or("", String::as_str);
                    if decl.len() > 1 {
                        self.set_var(name, index.clone())?;
                    } else {
                        self.set_var(name, elem.clone())?;
                    }
                } else {
                    self.set_top_var(1, elem.clone());
                }
            }
            if let Some(second) = decl.get(1) {
                if b.pipe.is_assign {
                    let name = second.ident.first().map_or("", String::as_str);
                    self.set_var(name, elem.clone())?;
                } else {
                    self.set_top_var(2, index);
                }
            }
            let r = self.walk_list(&elem, &b.list);
            self.vars.truncate(mark);
            match r {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Value, node: &'t Node, name: &str, pipe: Option<&'t Pipe>) -> R<()> {
        self.at(At::Node(node));
        let Some(root) = self.trees.get(name) else {
            return self.errorf(format!("template {} not defined", crate::go::strconv::quote(name)));
        };
        let new_dot = match pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Nil,
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), new_dot.clone())]);
        let saved_name = std::mem::replace(&mut self.name, name.to_string());
        let r = self.nest(|s| s.walk_list(&new_dot, root));
        self.vars = saved_vars;
        self.name = saved_name;
        r
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &'t Pipe) -> R<Value> {
        self.at(At::Pipe(pipe));
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Value::Nil);
        for v in &pipe.decl {
            let name = v.ident.first().cloned().unwrap_or_default();
            if pipe.is_assign {
                self.set_var(&name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Operand], final_: &Option<Value>) -> R<()> {
        if args.len() > 1 || final_.is_some() {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return self.errorf(format!("can't give argument to non-function {first}"));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'t Command, final_: Option<Value>) -> R<Value> {
        let Some(first) = cmd.args.first() else {
            return self.errorf("empty command");
        };
        match first {
            Operand::Field { ident, .. } => {
                self.at(At::Op(first));
                return self.eval_field_chain(
                    dot,
                    Recv { value: dot.clone(), iface: false },
                    At::Op(first),
                    ident,
                    &cmd.args,
                    final_,
                );
            }
            Operand::Chain { node, fields, .. } => return self.eval_chain(dot, first, node, fields, &cmd.args, final_),
            Operand::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args, final_);
            }
            Operand::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, p);
            }
            Operand::Variable(v) => return self.eval_variable(dot, v, &cmd.args, final_),
            _ => {}
        }
        self.at(At::Op(first));
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Operand::Bool { value, .. } => Ok(Value::Bool(*value)),
            Operand::Dot { .. } => Ok(dot.clone()),
            Operand::Nil { .. } => self.errorf("nil is not a command"),
            Operand::Number { num, .. } => self.ideal_constant(num),
            Operand::String { text, .. } => Ok(Value::String(text.clone())),
            other => self.errorf(format!("can't evaluate command {}", crate::go::strconv::quote(&other.to_string()))),
        }
    }

    fn ideal_constant(&self, num: &Number) -> R<Value> {
        let t = &num.text;
        let is_hex_int =
            t.len() > 2 && t.starts_with('0') && matches!(t.as_bytes()[1], b'x' | b'X') && !t.contains(['p', 'P']);
        let is_rune = t.starts_with('\'');
        if let Some((re, im)) = num.complex {
            return Ok(Value::Complex(re, im));
        }
        if let Some(f) = num.float {
            if !is_hex_int && !is_rune && t.contains(['.', 'e', 'E', 'p', 'P']) {
                return Ok(Value::Float(f));
            }
        }
        if let Some(i) = num.int {
            return Ok(Value::Int(i));
        }
        if num.uint.is_some() {
            return self.errorf(format!("{t} overflows int"));
        }
        Ok(Value::Nil)
    }

    fn eval_variable(&mut self, dot: &Value, v: &'t Variable, args: &'t [Operand], final_: Option<Value>) -> R<Value> {
        self.at(At::Var(v));
        let name = v.ident.first().map_or("", String::as_str);
        let value = self.var_value(name)?;
        if v.ident.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, Recv { value, iface: false }, At::Var(v), &v.ident[1..], args, final_)
    }

    fn eval_chain(
        &mut self,
        dot: &Value,
        chain: &'t Operand,
        node: &'t Operand,
        fields: &'t [String],
        args: &'t [Operand],
        final_: Option<Value>,
    ) -> R<Value> {
        self.at(At::Op(chain));
        if fields.is_empty() {
            return self.errorf("internal error: no fields in evalChainNode");
        }
        if let Operand::Nil { .. } = node {
            return self.errorf(format!("indirection through explicit nil in {chain}"));
        }
        let recv = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(dot, Recv { value: recv, iface: false }, At::Op(chain), fields, args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut recv: Recv,
        node: At<'t>,
        idents: &[String],
        args: &'t [Operand],
        final_: Option<Value>,
    ) -> R<Value> {
        let Some((last, init)) = idents.split_last() else {
            return Ok(recv.value);
        };
        for id in init {
            recv = self.eval_field(dot, id, node, &[], None, recv)?;
        }
        Ok(self.eval_field(dot, last, node, args, final_, recv)?.value)
    }

    fn eval_field(
        &mut self,
        dot: &Value,
        field: &str,
        node: At<'t>,
        args: &'t [Operand],
        final_: Option<Value>,
        recv: Recv,
    ) -> R<Recv> {
        let typ = if recv.iface { "interface {}".to_string() } else { recv.value.type_name() };
        let plain = |value: Value| Ok(Recv { value, iface: false });
        let boxed = |value: Value| Ok(Recv { value, iface: true });
        if let Value::Nil = recv.value {
            if recv.iface {
                return self.errorf(format!("nil pointer evaluating {typ}.{field}"));
            }
            return plain(Value::Nil);
        }
        if let Some(sig) = builtins::method_sig(&recv.value, field) {
            let v = self.eval_call(dot, &sig, false, node, field, args, final_, Some(&recv.value))?;
            return plain(v);
        }
        let has_args = args.len() > 1 || final_.is_some();
        let struct_field = |s: &Self, v: Value, iface: bool| -> R<Recv> {
            if has_args {
                return s.errorf(format!("{field} has arguments but cannot be invoked as function"));
            }
            Ok(Recv { value: v, iface })
        };
        match &recv.value {
            Value::Data(d) => match field {
                "Labels" => return struct_field(self, Value::StrMap(d.labels.clone()), false),
                "ExternalLabels" => return struct_field(self, Value::StrMap(d.external_labels.clone()), false),
                "ExternalURL" => return struct_field(self, Value::String(d.external_url.clone()), false),
                "Value" => return struct_field(self, d.value.clone(), true),
                _ => {}
            },
            Value::Sample(s) => match field {
                "Labels" => return struct_field(self, Value::StrMap(s.labels.clone()), false),
                "Value" => return struct_field(self, s.value.clone(), true),
                _ => {}
            },
            Value::Histogram(h) => match field {
                "Count" => return struct_field(self, Value::Float(h.count), false),
                "Sum" => return struct_field(self, Value::Float(h.sum), false),
                _ => {}
            },
            Value::StrMap(m) => {
                if has_args {
                    return self.errorf(format!("{field} is not a method but has arguments"));
                }
                return plain(Value::String(m.get(field).cloned().unwrap_or_default()));
            }
            Value::AnyMap(m) => {
                if has_args {
                    return self.errorf(format!("{field} is not a method but has arguments"));
                }
                return boxed(m.get(field).cloned().unwrap_or(Value::Nil));
            }
            _ => {}
        }
        self.errorf(format!("can't evaluate field {field} in type {typ}"))
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &'t Operand,
        name: &str,
        call_node: At<'t>,
        args: &'t [Operand],
        final_: Option<Value>,
    ) -> R<Value> {
        self.at(At::Op(ident));
        if let Some(sig) = self.funcs.sig(name) {
            return self.eval_call(dot, &sig, false, call_node, name, args, final_, None);
        }
        if let Some(sig) = builtins::sig(name) {
            return self.eval_call(dot, &sig, true, call_node, name, args, final_, None);
        }
        self.errorf(format!("{} is not a defined function", crate::go::strconv::quote(name)))
    }

    /// Go's `evalCall`. `args` still holds the function (or field) node first; `receiver` is
    /// set for method calls.
    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Value,
        sig: &Sig,
        is_builtin: bool,
        node: At<'t>,
        name: &str,
        args: &'t [Operand],
        final_: Option<Value>,
        receiver: Option<&Value>,
    ) -> R<Value> {
        let args = args.get(1..).unwrap_or(&[]);
        let num_in = args.len() + usize::from(final_.is_some());
        let num_fixed = if sig.variadic.is_some() {
            if num_in < sig.params.len() {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.params.len(),
                    args.len()
                ));
            }
            sig.params.len()
        } else {
            if num_in != sig.params.len() {
                return self.errorf(format!("wrong number of args for {name}: want {} got {num_in}", sig.params.len()));
            }
            args.len()
        };
        if is_builtin && (name == "and" || name == "or") {
            let want = name == "or";
            let mut v = Value::Nil;
            for a in args {
                v = self.eval_arg(dot, Some(Param::Reflect), a)?;
                if v.is_true() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, a) in args.iter().enumerate().take(num_fixed) {
            let p = sig.params.get(i).copied();
            argv.push(self.eval_arg(dot, p, a)?);
        }
        if let Some(vp) = sig.variadic {
            for a in args.iter().skip(num_fixed) {
                argv.push(self.eval_arg(dot, Some(vp), a)?);
            }
        }
        if let Some(f) = final_ {
            let p = if sig.variadic.is_some() && num_in > num_fixed {
                sig.variadic
            } else {
                sig.params.get(num_in - 1).copied().or(sig.variadic)
            };
            argv.push(self.validate_type(f, p)?);
        }
        let result = if let Some(recv) = receiver {
            builtins::call_method(recv, name, argv)
        } else if is_builtin {
            if name == "call" {
                // Go names the callee by its node, or by reflect.Value.String() of a piped value.
                let callee = match (args.first(), argv.first()) {
                    (Some(a), _) => a.to_string(),
                    (None, Some(Value::String(s))) => s.clone(),
                    (None, Some(v)) => format!("<{} Value>", v.type_name()),
                    (None, None) => String::new(),
                };
                builtins::call(&callee, &argv)
            } else {
                builtins::call_builtin(name, argv)
            }
        } else {
            self.funcs.call(name, argv)
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) => {
                self.at(node);
                self.errorf(format!("error calling {name}: {e}"))
            }
        }
    }

    fn validate_type(&self, value: Value, param: Option<Param>) -> R<Value> {
        let Some(param) = param else { return Ok(value) };
        match param {
            Param::Any | Param::Reflect => Ok(value),
            Param::String => match value {
                Value::String(_) => Ok(value),
                Value::Nil => self.errorf("invalid value; expected string"),
                other => self.errorf(format!("wrong type for value; expected string; got {}", other.type_name())),
            },
            Param::Named(t) => {
                if matches!(value, Value::Nil) || value.type_name() == t {
                    Ok(value)
                } else {
                    self.errorf(format!("wrong type for value; expected {t}; got {}", value.type_name()))
                }
            }
        }
    }

    fn eval_arg(&mut self, dot: &Value, param: Option<Param>, n: &'t Operand) -> R<Value> {
        self.at(At::Op(n));
        match n {
            Operand::Dot { .. } => return self.validate_type(dot.clone(), param),
            Operand::Nil { .. } => {
                return match param {
                    Some(Param::String) => self.errorf("cannot assign nil to string"),
                    _ => Ok(Value::Nil),
                };
            }
            Operand::Field { ident, .. } => {
                let v = self.eval_field_chain(
                    dot,
                    Recv { value: dot.clone(), iface: false },
                    At::Op(n),
                    ident,
                    std::slice::from_ref(n),
                    None,
                )?;
                return self.validate_type(v, param);
            }
            Operand::Variable(v) => {
                let val = self.eval_variable(dot, v, &[], None)?;
                return self.validate_type(val, param);
            }
            Operand::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, param);
            }
            Operand::Identifier { name, .. } => {
                let v = self.eval_function(dot, n, name, At::Op(n), &[], None)?;
                return self.validate_type(v, param);
            }
            Operand::Chain { node, fields, .. } => {
                let v = self.eval_chain(dot, n, node, fields, &[], None)?;
                return self.validate_type(v, param);
            }
            _ => {}
        }
        match param {
            Some(Param::String) => match n {
                Operand::String { text, .. } => Ok(Value::String(text.clone())),
                _ => self.errorf(format!("expected string; found {n}")),
            },
            Some(Param::Any | Param::Reflect) | None => match n {
                Operand::Bool { value, .. } => Ok(Value::Bool(*value)),
                Operand::Number { num, .. } => self.ideal_constant(num),
                Operand::String { text, .. } => Ok(Value::String(text.clone())),
                _ => self.errorf(format!("can't handle assignment of {n} to empty interface argument")),
            },
            Some(p) => self.errorf(format!("can't handle {n} for arg of type {}", p.go_name())),
        }
    }
}
