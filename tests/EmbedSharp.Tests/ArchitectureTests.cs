using System.Text;
using System.Text.RegularExpressions;

namespace EmbedSharp.Tests;

/// <summary>
/// Dependencies point one way (docs/architecture.md): the library's folders are layers, and a layer may use the layers
/// below it, never one above it; the library never uses the application (src/EmbedSharp.Study) or the CLI
/// (src/EmbedSharp.Cli), and the application never uses the CLI. Read from the source files: <c>using</c> lines
/// (plain, <c>static</c>, alias, <c>global</c>), fully or partly qualified names in code (<c>EmbedSharp.Nn.X</c>,
/// <c>Nn.X</c> inside an EmbedSharp namespace), and, where one layer's namespace is nested in another's
/// (<c>Nn.Functional</c> in <c>Nn</c>), the enclosing namespace's types used by their simple name. Comments, XML docs
/// and string literals do not count.
/// </summary>
public sealed partial class ArchitectureTests
{
    /// <summary>The library's layers, lowest first: a layer uses only itself and the layers before it. A namespace
    /// belongs to the longest name here that prefixes it (<c>EmbedSharp.Nn.Positional</c> is <c>Nn</c>,
    /// <c>EmbedSharp.Nn.Functional</c> is <c>Nn.Functional</c>, <c>EmbedSharp.Numerics.Formats.Npy</c> is <c>Numerics</c>).</summary>
    private static readonly string[] Layers =
    [
        "Numerics",
        "Randomness",
        "Initialization",
        "Autograd",
        "Nn.Functional",
        "Nn",
        "Training",
        "Tokenization",
        "Vectors",
        "FastText",
        "Embeddings",
    ];

    /// <summary>Above the library, lowest first: the application, then the CLI that runs it.</summary>
    private static readonly string[] Applications = ["Study", "Cli"];

    private static readonly Lazy<Codebase> Code = new(() => Codebase.Load(RepositoryRoot()));

    [Fact]
    public void No_library_layer_uses_a_layer_above_it()
    {
        var violations = Check(Code.Value, Code.Value.Library);
        Assert.True(violations.Count == 0, Report("upward dependencies in src/EmbedSharp", violations));
    }

    [Fact]
    public void The_application_does_not_use_the_cli()
    {
        var violations = Check(Code.Value, Code.Value.Study);
        Assert.True(violations.Count == 0, Report("upward dependencies in src/EmbedSharp.Study", violations));
    }

    [Fact]
    public void Every_library_file_is_in_a_listed_layer_and_every_layer_exists()
    {
        var code = Code.Value;
        var outside = code.Library.Where(f => f.Namespace is null || Rank(f.Namespace) is < 0 or >= 100)
            .Select(f => $"{f.Path}: namespace {f.Namespace ?? "(none)"} is not in any layer of {nameof(Layers)}").ToList();
        var empty = Layers.Where(l => !code.Library.Any(f => f.Namespace is { } ns && LayerName(ns) == l))
            .Select(l => $"layer {l} has no source file (renamed? update {nameof(Layers)} and docs/architecture.md)");
        var problems = outside.Concat(empty).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void The_library_and_the_application_reference_no_project_above_them()
    {
        var root = RepositoryRoot();
        var library = File.ReadAllText(Path.Combine(root, "src", "EmbedSharp", "EmbedSharp.csproj"));
        var study = File.ReadAllText(Path.Combine(root, "src", "EmbedSharp.Study", "EmbedSharp.Study.csproj"));
        Assert.DoesNotContain("<ProjectReference", library, StringComparison.Ordinal);
        Assert.DoesNotContain("EmbedSharp.Cli", study, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("using EmbedSharp.Nn;")]
    [InlineData("using static EmbedSharp.Training.Losses.MseLoss;")]
    [InlineData("using Loss = EmbedSharp.Training.Losses.MseLoss;")]
    [InlineData("global using EmbedSharp.Vectors;")]
    [InlineData("    var x = EmbedSharp.FastText.FastTextModel.Load(path);")]
    [InlineData("    var x = global::EmbedSharp.Tokenization.Vocabulary.Load(path);")]
    [InlineData("    var x = Nn.Functional.EmbeddingFunctions.Lookup(a, b, c);")]
    [InlineData("    var t = typeof(EmbedSharp.Study.InitStudy);")]
    public void An_upward_reference_is_reported_with_file_line_and_layers(string line)
    {
        var file = SourceFile.Parse("src/EmbedSharp/Numerics/Fake.cs", "using System.Text;\n\nnamespace EmbedSharp.Numerics;\n" + line + "\n");
        var violation = Assert.Single(Check(Code.Value, [file]));
        Assert.StartsWith("src/EmbedSharp/Numerics/Fake.cs:4: Numerics → ", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_of_the_enclosing_namespace_used_by_its_simple_name_is_reported()
    {
        var file = SourceFile.Parse("src/EmbedSharp/Nn/Functional/Fake.cs",
            "namespace EmbedSharp.Nn.Functional;\n\ninternal static class Fake\n{\n    public static void Step(Parameter p) { }\n    public static void Relu() { }\n}\n");
        var violation = Assert.Single(Check(Code.Value, [file]));
        Assert.StartsWith("src/EmbedSharp/Nn/Functional/Fake.cs:5: Nn.Functional → Nn ", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Comments_docs_and_strings_do_not_count()
    {
        var file = SourceFile.Parse("src/EmbedSharp/Numerics/Fake.cs", """"
            namespace EmbedSharp.Numerics;

            /// <summary>Like <see cref="EmbedSharp.Nn.Embedding"/>.</summary>
            internal static class Fake
            {
                // EmbedSharp.FastText.FastTextModel
                /* EmbedSharp.Vectors.WordVectors */
                private const string Name = "EmbedSharp.Training.Sgd";
                private const string Verbatim = @"EmbedSharp.Training.Sgd ""quoted""";
                private const string Raw = """EmbedSharp.Training.Sgd "x" """;
                private static string Interpolated(int n) => $"EmbedSharp.Training {n} {{EmbedSharp.Vectors}}";
                private const char Quote = '"';
            }
            """");
        Assert.Empty(Check(Code.Value, [file]));
    }

    private static List<string> Check(Codebase code, IEnumerable<SourceFile> files)
    {
        var violations = new List<string>();
        foreach (var file in files)
        {
            if (file.Namespace is not { } ns)
            {
                continue;
            }

            var from = Rank(ns);
            var implicitTypes = code.EnclosingTypesAbove(ns, from);
            for (var i = 0; i < file.CodeLines.Length; i++)
            {
                var line = file.CodeLines[i];
                foreach (var target in code.ReferencedNamespaces(ns, line))
                {
                    if (Rank(target) > from)
                    {
                        violations.Add($"{file.Path}:{i + 1}: {LayerName(ns)} → {LayerName(target)} ({target}): {file.Lines[i].Trim()}");
                    }
                }

                if (implicitTypes.Count == 0)
                {
                    continue;
                }

                foreach (Match m in SimpleName().Matches(line))
                {
                    if (implicitTypes.TryGetValue(m.Value, out var owner) && !IsCallOrMemberName(line, m))
                    {
                        violations.Add($"{file.Path}:{i + 1}: {LayerName(ns)} → {LayerName(owner)} ({owner}.{m.Value} by its simple name): {file.Lines[i].Trim()}");
                    }
                }
            }
        }

        return violations;
    }

    /// <summary>A method declared or called with a type's name (<c>Relu(…)</c>, not <c>new Relu(…)</c>) is not the type.</summary>
    private static bool IsCallOrMemberName(string line, Match m)
    {
        var after = line.AsSpan(m.Index + m.Length).TrimStart();
        var before = line.AsSpan(0, m.Index).TrimEnd();
        return after.Length > 0 && after[0] == '(' && !before.EndsWith("new", StringComparison.Ordinal);
    }

    /// <summary>Position in the order: library layers 0…, the application 100, the CLI 101; −1 outside EmbedSharp.</summary>
    private static int Rank(string ns)
    {
        var name = LayerName(ns);
        var layer = Array.IndexOf(Layers, name);
        if (layer >= 0)
        {
            return layer;
        }

        var app = Array.IndexOf(Applications, name);
        return app >= 0 ? 100 + app : -1;
    }

    /// <summary>The layer (or application) a namespace belongs to: the longest listed name that prefixes it.</summary>
    private static string LayerName(string ns)
    {
        if (!ns.StartsWith("EmbedSharp.", StringComparison.Ordinal))
        {
            return ns;
        }

        var rest = ns["EmbedSharp.".Length..];
        return Layers.Concat(Applications)
            .Where(l => rest == l || rest.StartsWith(l + ".", StringComparison.Ordinal))
            .OrderByDescending(l => l.Length)
            .FirstOrDefault() ?? ns;
    }

    private static string Report(string what, List<string> violations) =>
        $"{violations.Count} {what} (the order, lowest first: {string.Join(" < ", Layers.Concat(Applications))}):\n" + string.Join('\n', violations);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EmbedSharp.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No EmbedSharp.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"(?<![\w.])[A-Z]\w*(?:\s*\.\s*[A-Z]\w*)*")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.@])[A-Z]\w*\b")]
    private static partial Regex SimpleName();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*(;|\{|$)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"^(?<indent>[ \t]*)(?:(?:public|internal|private|protected|static|sealed|abstract|readonly|ref|partial|unsafe|file|new)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?|delegate\s+[^(;=]+?)\s+(?<name>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    /// <summary>The scanned source: the library's and the application's files, their namespaces and top-level types.</summary>
    private sealed class Codebase
    {
        private readonly HashSet<string> _namespaces;
        private readonly Dictionary<string, HashSet<string>> _typesByNamespace;

        private Codebase(List<SourceFile> library, List<SourceFile> study, List<SourceFile> cli)
        {
            Library = library;
            Study = study;
            var all = library.Concat(study).Concat(cli).ToList();
            _namespaces = [];
            foreach (var ns in all.Select(f => f.Namespace).OfType<string>())
            {
                for (var n = ns; n.Contains('.', StringComparison.Ordinal); n = n[..n.LastIndexOf('.')])
                {
                    _namespaces.Add(n);
                }
            }

            _typesByNamespace = all.Where(f => f.Namespace != null)
                .GroupBy(f => f.Namespace!)
                .ToDictionary(g => g.Key, g => g.SelectMany(f => f.TopLevelTypes).ToHashSet(StringComparer.Ordinal));
        }

        public List<SourceFile> Library { get; }

        public List<SourceFile> Study { get; }

        public static Codebase Load(string root)
        {
            List<SourceFile> Read(string project) =>
                Directory.EnumerateFiles(Path.Combine(root, "src", project), "*.cs", SearchOption.AllDirectories)
                    .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
                    .Order(StringComparer.Ordinal)
                    .Select(p => SourceFile.Parse(Path.GetRelativePath(root, p).Replace('\\', '/'), File.ReadAllText(p)))
                    .ToList();

            return new Codebase(Read("EmbedSharp"), Read("EmbedSharp.Study"), Read("EmbedSharp.Cli"));
        }

        /// <summary>The EmbedSharp namespaces a line of code names: by <c>EmbedSharp.X…</c> (using lines included) or, from
        /// inside namespace <paramref name="ns"/>, by a partly qualified <c>X.Y…</c> that C# resolves against an enclosing
        /// namespace (<c>Nn.Functional.EmbeddingFunctions</c> in <c>EmbedSharp.Vectors</c>). A partly qualified name counts
        /// only when its second part is a namespace or a type there, so a property named like a folder is not taken for it.</summary>
        public IEnumerable<string> ReferencedNamespaces(string ns, string line)
        {
            foreach (Match m in QualifiedName().Matches(line))
            {
                var parts = m.Value.Split('.').Select(p => p.Trim()).ToArray();
                if (parts.Length < 2)
                {
                    continue;
                }

                if (parts[0] == "EmbedSharp")
                {
                    yield return Longest(parts, 0);
                    continue;
                }

                for (var scope = ns; scope.Contains('.', StringComparison.Ordinal) || scope == "EmbedSharp"; scope = scope == "EmbedSharp" ? "" : scope[..scope.LastIndexOf('.')])
                {
                    var candidate = scope + "." + parts[0];
                    if (_namespaces.Contains(candidate))
                    {
                        var next = candidate + "." + parts[1];
                        if (_namespaces.Contains(next) || (_typesByNamespace.TryGetValue(candidate, out var types) && types.Contains(parts[1])))
                        {
                            yield return Longest([.. scope.Split('.'), .. parts], 0);
                        }

                        break;
                    }
                }
            }
        }

        /// <summary>Types that code in <paramref name="ns"/> sees by their simple name because they are declared in an
        /// enclosing namespace that belongs to a layer above <paramref name="rank"/> (name → that namespace).</summary>
        public Dictionary<string, string> EnclosingTypesAbove(string ns, int rank)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var own = _typesByNamespace.GetValueOrDefault(ns) ?? [];
            for (var scope = ns; scope.Contains('.', StringComparison.Ordinal);)
            {
                scope = scope[..scope.LastIndexOf('.')];
                if (Rank(scope) > rank && _typesByNamespace.TryGetValue(scope, out var types))
                {
                    foreach (var t in types.Where(t => !own.Contains(t)))
                    {
                        result.TryAdd(t, scope);
                    }
                }
            }

            return result;
        }

        /// <summary>The longest known namespace that the dotted name starts with.</summary>
        private string Longest(string[] parts, int start)
        {
            var best = string.Join('.', parts[start..Math.Min(parts.Length, start + 2)]);
            for (var k = start + 2; k <= parts.Length; k++)
            {
                var candidate = string.Join('.', parts[start..k]);
                if (_namespaces.Contains(candidate))
                {
                    best = candidate;
                }
            }

            return best;
        }
    }

    /// <summary>One source file: its text by line, the same lines with comments and literals blanked, its namespace and
    /// the types it declares at the top level.</summary>
    private sealed class SourceFile
    {
        private SourceFile(string path, string[] lines, string[] codeLines, string? ns, List<string> types)
        {
            Path = path;
            Lines = lines;
            CodeLines = codeLines;
            Namespace = ns;
            TopLevelTypes = types;
        }

        public string Path { get; }

        public string[] Lines { get; }

        public string[] CodeLines { get; }

        public string? Namespace { get; }

        public List<string> TopLevelTypes { get; }

        public static SourceFile Parse(string path, string text)
        {
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            var code = CodeOnly(text);
            var declaration = NamespaceDeclaration().Match(code);
            var ns = declaration.Success ? declaration.Groups[1].Value : null;
            var topIndent = declaration.Success && declaration.Groups[2].Value == ";" ? 0 : 4;
            var types = TypeDeclaration().Matches(code)
                .Where(m => m.Groups["indent"].Value.Replace("\t", "    ", StringComparison.Ordinal).Length == topIndent)
                .Select(m => m.Groups["name"].Value)
                .ToList();
            return new SourceFile(path, text.Split('\n'), code.Split('\n'), ns, types);
        }

        /// <summary>The text with comments (XML docs included), string literals (regular, verbatim, raw, interpolated:
        /// the holes stay code) and character literals replaced by spaces; line breaks are kept.</summary>
        internal static string CodeOnly(string s)
        {
            var o = new StringBuilder(s.Length);
            var i = 0;
            Code(s, ref i, o, hole: false);
            return o.ToString();
        }

        private static void Blank(string s, int from, int to, StringBuilder o)
        {
            for (var k = from; k < to && k < s.Length; k++)
            {
                o.Append(s[k] == '\n' ? '\n' : ' ');
            }
        }

        private static void Code(string s, ref int i, StringBuilder o, bool hole)
        {
            var depth = 0;
            while (i < s.Length)
            {
                var c = s[i];
                var next = i + 1 < s.Length ? s[i + 1] : '\0';
                if (c == '/' && next == '/')
                {
                    var end = s.IndexOf('\n', i);
                    end = end < 0 ? s.Length : end;
                    Blank(s, i, end, o);
                    i = end;
                }
                else if (c == '/' && next == '*')
                {
                    var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
                    end = end < 0 ? s.Length : end + 2;
                    Blank(s, i, end, o);
                    i = end;
                }
                else if (c == '\'')
                {
                    var k = i + 1;
                    while (k < s.Length && s[k] != '\'' && s[k] != '\n')
                    {
                        k += s[k] == '\\' ? 2 : 1;
                    }

                    Blank(s, i, k + 1, o);
                    i = k + 1;
                }
                else if (c is '"' or '$' or '@' && StringStart(s, i) is { } start)
                {
                    Literal(s, ref i, o, start);
                }
                else if (hole && c == '{')
                {
                    depth++;
                    o.Append(c);
                    i++;
                }
                else if (hole && c == '}')
                {
                    if (depth == 0)
                    {
                        return;
                    }

                    depth--;
                    o.Append(c);
                    i++;
                }
                else
                {
                    o.Append(c);
                    i++;
                }
            }
        }

        /// <summary>The prefix of a string literal at <paramref name="i"/> (dollar signs, verbatim, quotes), or null.</summary>
        private static (int Dollars, bool Verbatim, int Quotes, int Open)? StringStart(string s, int i)
        {
            var j = i;
            var dollars = 0;
            var verbatim = false;
            while (j < s.Length && (s[j] == '$' || (s[j] == '@' && !verbatim)))
            {
                dollars += s[j] == '$' ? 1 : 0;
                verbatim |= s[j] == '@';
                j++;
            }

            if (j >= s.Length || s[j] != '"')
            {
                return null;
            }

            var quotes = 0;
            while (j + quotes < s.Length && s[j + quotes] == '"')
            {
                quotes++;
            }

            return (dollars, verbatim, quotes, j);
        }

        private static void Literal(string s, ref int i, StringBuilder o, (int Dollars, bool Verbatim, int Quotes, int Open) start)
        {
            if (start.Quotes >= 3)
            {
                // A raw string literal ends at the same number of quotes; its holes hold no unbalanced quotes of that length.
                var delimiter = new string('"', start.Quotes);
                var end = s.IndexOf(delimiter, start.Open + start.Quotes, StringComparison.Ordinal);
                end = end < 0 ? s.Length : end + start.Quotes;
                Blank(s, i, end, o);
                i = end;
                return;
            }

            Blank(s, i, start.Open + 1, o);
            var k = start.Open + 1;
            while (k < s.Length)
            {
                var c = s[k];
                var next = k + 1 < s.Length ? s[k + 1] : '\0';
                if (!start.Verbatim && c == '\\')
                {
                    Blank(s, k, k + 2, o);
                    k += 2;
                }
                else if (c == '"' && start.Verbatim && next == '"')
                {
                    Blank(s, k, k + 2, o);
                    k += 2;
                }
                else if (c == '"')
                {
                    Blank(s, k, k + 1, o);
                    k++;
                    break;
                }
                else if (start.Dollars > 0 && c == '{' && next == '{')
                {
                    Blank(s, k, k + 2, o);
                    k += 2;
                }
                else if (start.Dollars > 0 && c == '{')
                {
                    o.Append(' ');
                    k++;
                    Code(s, ref k, o, hole: true);
                    if (k < s.Length)
                    {
                        o.Append(' ');
                        k++;
                    }
                }
                else
                {
                    Blank(s, k, k + 1, o);
                    k++;
                }
            }

            i = k;
        }
    }
}
