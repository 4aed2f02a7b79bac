using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Initialization;

/// <content>The text form of an <see cref="InitSpec"/>: <see cref="ToString"/> prints the canonical kebab-case text,
/// <see cref="Parse"/> and <see cref="TryParse(string?, out InitSpec?)"/> read it back strictly, and the table of which
/// parameters each scheme takes.</content>
public sealed partial record InitSpec
{
    /// <summary>The canonical text: the scheme's name, then <c>(name=value,…)</c> with the parameters that are set, in
    /// the scheme's order; invariant culture, shortest round-trip numbers, kebab-case enum values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Name);
        var first = true;
        foreach (var p in Parameters(Scheme))
        {
            if (!IsSet(p))
            {
                continue;
            }

            sb.Append(first ? '(' : ',').Append(ParameterName(p)).Append('=').Append(FormatValue(p));
            first = false;
        }

        if (!first)
        {
            sb.Append(')');
        }

        return sb.ToString();
    }

    /// <summary>Reads the text <see cref="ToString"/> writes (see the remarks of <see cref="InitSpec"/>): <c>zeros</c>,
    /// <c>normal(std=0.02)</c>, <c>kaiming_uniform(a=2.236,mode=fan_out,nonlinearity=leaky_relu)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">The text is not a spec; the one-line message says why and lists the valid names.</exception>
    public static InitSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var spec, out var error) ? spec : throw new FormatException(error);
    }

    /// <summary>Reads a scheme's name alone (<c>xavier-uniform</c>, <c>xavier_uniform_</c>; no parameters), for callers
    /// that take the parameters separately.</summary>
    /// <exception cref="FormatException">Not a scheme's name; the message lists them.</exception>
    public static InitScheme ParseScheme(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryParseSchemeName(name, out var scheme) ? scheme : throw new FormatException(UnknownScheme(name));
    }

    /// <summary>Like <see cref="ParseScheme"/>, returning false instead of throwing.</summary>
    public static bool TryParseScheme([NotNullWhen(true)] string? name, out InitScheme scheme)
    {
        scheme = default;
        return name is not null && TryParseSchemeName(name, out scheme);
    }

    /// <summary>Like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out InitSpec? spec) =>
        TryParse(text, out spec, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out InitSpec? spec, out string error)
    {
        spec = null;
        if (text is null)
        {
            error = "The initialisation text is null.";
            return false;
        }

        var open = text.IndexOf('(', StringComparison.Ordinal);
        var head = open < 0 ? text : text[..open];
        if (!TryParseSchemeName(head, out var scheme))
        {
            error = UnknownScheme(head);
            return false;
        }

        var values = new Dictionary<Parameter, string>();
        if (open >= 0)
        {
            var close = text.LastIndexOf(')');
            if (close < open || text[(close + 1)..].Trim().Length > 0)
            {
                error = Invariant($"'{text}' has no closing ')' at the end; write e.g. normal(std=0.02).");
                return false;
            }

            var inner = text[(open + 1)..close];
            if (inner.IndexOfAny(['(', ')']) >= 0)
            {
                error = Invariant($"'{text}' has nested parentheses; write e.g. normal(std=0.02).");
                return false;
            }

            if (inner.Trim().Length > 0)
            {
                foreach (var part in inner.Split(','))
                {
                    var eq = part.IndexOf('=', StringComparison.Ordinal);
                    if (eq < 0)
                    {
                        error = Invariant($"'{text}': '{part.Trim()}' is not name=value; {Expected(scheme)}");
                        return false;
                    }

                    var key = part[..eq].Trim();
                    if (!TryParameter(scheme, key, out var p))
                    {
                        error = Invariant($"'{text}': {NameOf(scheme)} takes no parameter '{key}'; {Expected(scheme)}");
                        return false;
                    }

                    if (!values.TryAdd(p, part[(eq + 1)..].Trim()))
                    {
                        error = Invariant($"'{text}': the parameter {ParameterName(p)} is given twice.");
                        return false;
                    }
                }
            }
        }

        var result = new InitSpec(scheme);
        foreach (var (p, value) in values)
        {
            if (!TrySet(ref result, p, value))
            {
                error = Invariant($"'{text}': {ParameterName(p)} = '{value}' is not {Expectation(p)}.");
                return false;
            }
        }

        foreach (var p in Required(scheme))
        {
            if (!result.IsSet(p))
            {
                error = Invariant($"'{text}': {MissingMessage(scheme, p)}");
                return false;
            }
        }

        spec = result;
        error = "";
        return true;
    }

    private enum Parameter
    {
        Gain,
        A,
        B,
        Mean,
        Std,
        Mode,
        Nonlinearity,
        Sparsity,
        Value,
        Groups,
        Scale,
        Distribution,
    }

    private static readonly Parameter[] AllParameters = Enum.GetValues<Parameter>();

    private static readonly Parameter[] NoParameters = [];

    /// <summary>The parameters a scheme takes, in PyTorch's argument order.</summary>
    private static Parameter[] Parameters(InitScheme scheme) => scheme switch
    {
        InitScheme.Uniform => [Parameter.A, Parameter.B],
        InitScheme.Normal => [Parameter.Mean, Parameter.Std],
        InitScheme.TruncNormal => [Parameter.Mean, Parameter.Std, Parameter.A, Parameter.B],
        InitScheme.Constant => [Parameter.Value],
        InitScheme.Dirac => [Parameter.Groups],
        InitScheme.XavierUniform or InitScheme.XavierNormal or InitScheme.Orthogonal or InitScheme.Identity => [Parameter.Gain],
        InitScheme.KaimingUniform or InitScheme.KaimingNormal => [Parameter.A, Parameter.Mode, Parameter.Nonlinearity],
        InitScheme.Sparse => [Parameter.Sparsity, Parameter.Std],
        InitScheme.VarianceScaling => [Parameter.Scale, Parameter.Mode, Parameter.Distribution],
        _ => NoParameters,
    };

    private static Parameter[] Required(InitScheme scheme) => scheme switch
    {
        InitScheme.Constant => [Parameter.Value],
        InitScheme.Sparse => [Parameter.Sparsity],
        _ => NoParameters,
    };

    private static InitScheme Checked(InitScheme scheme) =>
        Enum.IsDefined(scheme) ? scheme : throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown initialisation scheme.");

    private static string ParameterName(Parameter p) => p switch
    {
        Parameter.A => "a",
        Parameter.B => "b",
        _ => p.ToString().ToLowerInvariant(),
    };

    private bool IsSet(Parameter p) => p switch
    {
        Parameter.Gain => Gain is not null,
        Parameter.A => A is not null,
        Parameter.B => B is not null,
        Parameter.Mean => Mean is not null,
        Parameter.Std => Std is not null,
        Parameter.Mode => Mode is not null,
        Parameter.Nonlinearity => Nonlinearity is not null,
        Parameter.Sparsity => Sparsity is not null,
        Parameter.Value => Value is not null,
        Parameter.Groups => Groups is not null,
        Parameter.Scale => Scale is not null,
        Parameter.Distribution => Distribution is not null,
        _ => false,
    };

    private string FormatValue(Parameter p) => p switch
    {
        Parameter.Gain => Number(Gain!.Value),
        Parameter.A => Number(A!.Value),
        Parameter.B => Number(B!.Value),
        Parameter.Mean => Number(Mean!.Value),
        Parameter.Std => Number(Std!.Value),
        Parameter.Mode => KebabOf(Mode!.Value),
        Parameter.Nonlinearity => KebabOf(Nonlinearity!.Value),
        Parameter.Sparsity => Number(Sparsity!.Value),
        Parameter.Value => Number(Value!.Value),
        Parameter.Groups => Groups!.Value.ToString(CultureInfo.InvariantCulture),
        Parameter.Scale => Number(Scale!.Value),
        Parameter.Distribution => KebabOf(Distribution!.Value),
        _ => "",
    };

    private static bool TrySet(ref InitSpec spec, Parameter p, string text)
    {
        switch (p)
        {
            case Parameter.Mode:
                if (!TryKebab<FanMode>(text, out var mode))
                {
                    return false;
                }

                spec = spec with { Mode = mode };
                return true;
            case Parameter.Nonlinearity:
                if (!TryKebab<NonlinearityKind>(text, out var nonlinearity))
                {
                    return false;
                }

                spec = spec with { Nonlinearity = nonlinearity };
                return true;
            case Parameter.Distribution:
                if (!TryKebab<VarianceScalingDistribution>(text, out var distribution))
                {
                    return false;
                }

                spec = spec with { Distribution = distribution };
                return true;
            case Parameter.Groups:
                if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var groups))
                {
                    return false;
                }

                spec = spec with { Groups = groups };
                return true;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
        {
            return false;
        }

        spec = p switch
        {
            Parameter.Gain => spec with { Gain = x },
            Parameter.A => spec with { A = x },
            Parameter.B => spec with { B = x },
            Parameter.Mean => spec with { Mean = x },
            Parameter.Std => spec with { Std = x },
            Parameter.Sparsity => spec with { Sparsity = x },
            Parameter.Value => spec with { Value = x },
            Parameter.Scale => spec with { Scale = x },
            _ => spec,
        };
        return true;
    }

    private static string Expectation(Parameter p) => p switch
    {
        Parameter.Mode => "one of: " + string.Join(", ", Enum.GetValues<FanMode>().Select(KebabOf)),
        Parameter.Nonlinearity => "one of: " + string.Join(", ", Enum.GetValues<NonlinearityKind>().Select(KebabOf)),
        Parameter.Distribution => "one of: " + string.Join(", ", Enum.GetValues<VarianceScalingDistribution>().Select(KebabOf)),
        Parameter.Groups => "an integer",
        _ => "a number",
    };

    private static string Expected(InitScheme scheme)
    {
        var names = Parameters(scheme);
        return names.Length == 0
            ? Invariant($"{NameOf(scheme)} takes no parameters.")
            : Invariant($"expected one of: {string.Join(", ", names.Select(ParameterName))}.");
    }

    private static string UnknownScheme(string name) =>
        Invariant($"Unknown initialisation scheme '{name.Trim()}'; expected one of: {string.Join(", ", SchemeNameTable)}.");

    private static string MissingMessage(InitScheme scheme, Parameter p) =>
        Invariant($"{NameOf(scheme)} needs {ParameterName(p)}; write e.g. {NameOf(scheme)}({ParameterName(p)}={(p == Parameter.Value ? "0.5" : "0.9")}).");

    private static bool TryParseSchemeName(string text, out InitScheme scheme)
    {
        var key = Normalise(text);
        if (key.EndsWith('-'))
        {
            key = key[..^1]; // torch's in-place suffix: xavier_uniform_
        }

        var i = Array.IndexOf(SchemeNameTable, key);
        scheme = i >= 0 ? AllSchemes[i] : default;
        return i >= 0;
    }

    private static bool TryParameter(InitScheme scheme, string text, out Parameter parameter)
    {
        var key = Normalise(text);
        if (key == "val")
        {
            key = "value"; // torch: constant_(tensor, val)
        }

        foreach (var p in Parameters(scheme))
        {
            if (ParameterName(p) == key)
            {
                parameter = p;
                return true;
            }
        }

        parameter = default;
        return false;
    }

    private static bool TryKebab<T>(string text, out T value)
        where T : struct, Enum
    {
        var key = Normalise(text);
        foreach (var v in Enum.GetValues<T>())
        {
            if (KebabOf(v) == key)
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string Normalise(string text) => text.Trim().Replace('_', '-').ToLowerInvariant();

    /// <summary><c>XavierUniform</c> → <c>xavier-uniform</c>, <c>ConvTranspose1d</c> → <c>conv-transpose1d</c>.</summary>
    private static string KebabOf<T>(T value)
        where T : struct, Enum
    {
        var name = value.ToString();
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var ch = name[i];
            if (char.IsUpper(ch) && i > 0 && !char.IsDigit(name[i - 1]))
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(ch));
        }

        return sb.ToString();
    }

    private static void CheckDefined<T>(T? value, string name)
        where T : struct, Enum
    {
        if (value is { } v && !Enum.IsDefined(v))
        {
            throw new ArgumentOutOfRangeException(name, v, $"Undefined {typeof(T).Name} value.");
        }
    }

    private static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => FormattableString.Invariant(s);
}
