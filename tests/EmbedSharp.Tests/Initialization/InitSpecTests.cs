using System.Globalization;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Initialization;

public sealed class InitSpecTests
{
    private static readonly Nonlinearity Sqrt5 = Nonlinearity.LeakyRelu(Math.Sqrt(5));

    /// <summary>Every scheme, bare and with every parameter it takes, and the <see cref="Init"/> call (PyTorch's, with its
    /// defaults written out) that the spec must equal bit for bit.</summary>
    private static readonly Dictionary<string, (long[] Shape, Func<FloatTensor, IRandomSource, FloatTensor> Call)> Calls = new()
    {
        ["uniform"] = ([12, 8], (t, g) => Init.Uniform(t, g, 0, 1)),
        ["uniform(a=-0.1,b=0.1)"] = ([12, 8], (t, g) => Init.Uniform(t, g, -0.1, 0.1)),
        ["normal"] = ([12, 8], (t, g) => Init.Normal(t, g, 0, 1)),
        ["normal(mean=0.5,std=0.02)"] = ([12, 8], (t, g) => Init.Normal(t, g, 0.5, 0.02)),
        ["trunc-normal"] = ([12, 8], (t, g) => Init.TruncNormal(t, g, 0, 1, -2, 2)),
        ["trunc-normal(mean=0,std=0.02,a=-0.04,b=0.04)"] = ([12, 8], (t, g) => Init.TruncNormal(t, g, 0, 0.02, -0.04, 0.04)),
        ["constant(value=0.25)"] = ([12, 8], (t, _) => Init.Constant(t, 0.25f)),
        ["ones"] = ([12, 8], (t, _) => Init.Ones(t)),
        ["zeros"] = ([12, 8], (t, _) => Init.Zeros(t)),
        ["eye"] = ([12, 8], (t, _) => Init.Eye(t)),
        ["dirac"] = ([6, 4, 3], (t, _) => Init.Dirac(t, 1)),
        ["dirac(groups=2)"] = ([6, 4, 3], (t, _) => Init.Dirac(t, 2)),
        ["xavier-uniform"] = ([12, 8], (t, g) => Init.XavierUniform(t, g, 1)),
        ["xavier-uniform(gain=1.5)"] = ([12, 8], (t, g) => Init.XavierUniform(t, g, 1.5)),
        ["xavier-normal(gain=0.5)"] = ([12, 8], (t, g) => Init.XavierNormal(t, g, 0.5)),
        ["kaiming-uniform"] = ([12, 8], (t, g) => Init.KaimingUniform(t, g, FanMode.FanIn, Nonlinearity.LeakyRelu(0))),
        ["kaiming-uniform(a=2.23606797749979,mode=fan-out,nonlinearity=leaky-relu)"] = ([12, 8], (t, g) => Init.KaimingUniform(t, g, FanMode.FanOut, Sqrt5)),
        ["kaiming-normal(a=0.2,mode=fan-in,nonlinearity=tanh)"] = ([6, 4, 3], (t, g) => Init.KaimingNormal(t, g, FanMode.FanIn, Nonlinearity.Tanh)),
        ["kaiming-normal(nonlinearity=relu)"] = ([12, 8], (t, g) => Init.KaimingNormal(t, g, FanMode.FanIn, Nonlinearity.Relu)),
        ["orthogonal"] = ([12, 8], (t, g) => Init.Orthogonal(t, g, 1)),
        ["orthogonal(gain=2)"] = ([8, 12], (t, g) => Init.Orthogonal(t, g, 2)),
        ["sparse(sparsity=0.5)"] = ([12, 8], (t, g) => Init.Sparse(t, g, 0.5, 0.01)),
        ["sparse(sparsity=0.9,std=0.1)"] = ([12, 8], (t, g) => Init.Sparse(t, g, 0.9, 0.1)),
        ["lecun-uniform"] = ([12, 8], (t, g) => Init.LecunUniform(t, g)),
        ["lecun-normal"] = ([12, 8], (t, g) => Init.LecunNormal(t, g)),
        ["variance-scaling"] = ([12, 8], (t, g) => Init.VarianceScaling(t, g, 1, FanMode.FanIn, VarianceScalingDistribution.TruncatedNormal)),
        ["variance-scaling(scale=2,mode=fan-avg,distribution=uniform)"] = ([12, 8], (t, g) => Init.VarianceScaling(t, g, 2, FanMode.FanAvg, VarianceScalingDistribution.Uniform)),
        ["variance-scaling(distribution=untruncated-normal)"] = ([12, 8], (t, g) => Init.VarianceScaling(t, g, 1, FanMode.FanIn, VarianceScalingDistribution.UntruncatedNormal)),
        ["identity(gain=3)"] = ([12, 8], (t, _) => Init.Identity(t, 3)),
    };

    public static TheoryData<string> Cases() => [.. Calls.Keys];

    [Fact]
    public void The_cases_cover_every_scheme_but_fasttext() =>
        Assert.Equal(Enum.GetValues<InitScheme>().Where(s => s != InitScheme.FastText), Calls.Keys.Select(k => InitSpec.Parse(k).Scheme).Distinct().Order());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_gives_the_bits_of_the_init_call_from_the_same_seed(string text)
    {
        var (shape, call) = Calls[text];
        var actual = InitSpec.Parse(text).Apply(new FloatTensor(shape), new Generator(7UL));
        var expected = call(new FloatTensor(shape), new Generator(7UL));
        Assert.Equal(Bits(expected), Bits(actual));
        var parallel = InitSpec.Parse(text).Apply(new FloatTensor(shape), new PhiloxGenerator(7UL));
        Assert.Equal(Bits(call(new FloatTensor(shape), new PhiloxGenerator(7UL))), Bits(parallel));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Text_round_trips_and_is_canonical(string text)
    {
        var spec = InitSpec.Parse(text);
        Assert.Equal(text, spec.ToString());
        Assert.Equal(spec, InitSpec.Parse(spec.ToString()));
        Assert.Equal(spec.GetHashCode(), InitSpec.Parse(spec.ToString()).GetHashCode());
        Assert.True(InitSpec.TryParse(text, out var again));
        Assert.Equal(spec, again);
    }

    [Fact]
    public void Every_scheme_has_a_name_and_round_trips_bare_and_with_all_its_parameters()
    {
        Assert.Equal(Enum.GetValues<InitScheme>().Length, InitSpec.SchemeNames.Count);
        foreach (var scheme in Enum.GetValues<InitScheme>())
        {
            var name = InitSpec.NameOf(scheme);
            var required = InitSpec.RequiredParameterNames(scheme);
            var bare = required.Count == 0 ? InitSpec.Parse(name) : null;
            if (bare is not null)
            {
                Assert.Equal(scheme, bare.Scheme);
                Assert.Equal(name, bare.ToString());
            }

            var all = InitSpec.Create(scheme, gain: Takes(scheme, "gain", 1.25), a: Takes(scheme, "a", -0.375), b: Takes(scheme, "b", 0.125),
                mean: Takes(scheme, "mean", 1e-7), std: Takes(scheme, "std", 0.1 + 0.2), mode: Takes(scheme, "mode", FanMode.FanOut),
                nonlinearity: Takes(scheme, "nonlinearity", NonlinearityKind.ConvTranspose2d), sparsity: Takes(scheme, "sparsity", 1.0 / 3),
                value: Takes(scheme, "value", -0.0), groups: Takes(scheme, "groups", 3), scale: Takes(scheme, "scale", 12345678.9),
                distribution: Takes(scheme, "distribution", VarianceScalingDistribution.UntruncatedNormal));
            var text = all.ToString();
            Assert.StartsWith(name, text, StringComparison.Ordinal);
            var back = InitSpec.Parse(text);
            Assert.Equal(all, back);
            Assert.Equal(text, back.ToString());
        }
    }

    [Fact]
    public void Factories_build_what_the_text_says()
    {
        Assert.Equal("zeros", InitSpec.Zeros.ToString());
        Assert.Equal("normal", InitSpec.Normal().ToString());
        Assert.Equal("normal(std=0.02)", InitSpec.Normal(std: 0.02).ToString());
        Assert.Equal("uniform(a=-0.1,b=0.1)", InitSpec.Uniform(-0.1, 0.1).ToString());
        Assert.Equal("xavier-uniform", InitSpec.XavierUniform().ToString());
        Assert.Equal("kaiming-uniform(a=2.23606797749979,mode=fan-out,nonlinearity=leaky-relu)",
            InitSpec.KaimingUniform(Math.Sqrt(5), FanMode.FanOut, NonlinearityKind.LeakyRelu).ToString());
        Assert.Equal("constant(value=0.01)", InitSpec.Constant(0.01).ToString());
        Assert.Equal("sparse(sparsity=0.9,std=0.01)", InitSpec.Sparse(0.9, 0.01).ToString());
        Assert.Equal("variance-scaling(scale=2,mode=fan-avg)", InitSpec.VarianceScaling(2, FanMode.FanAvg).ToString());
        Assert.Equal("fasttext", InitSpec.FastText.ToString());
        Assert.Equal(InitSpec.Normal(std: 0.02), InitSpec.Parse("normal(std=0.02)"));
        Assert.NotEqual(InitSpec.Normal(), InitSpec.Normal(0, 1)); // same draws, different text
        Assert.Equal(InitScheme.KaimingNormal, InitSpec.KaimingNormal().Scheme);
        Assert.Equal("kaiming-normal", InitSpec.KaimingNormal().Name);
        Assert.Equal(["a", "mode", "nonlinearity"], InitSpec.ParameterNames(InitScheme.KaimingUniform));
        Assert.Equal(["value"], InitSpec.RequiredParameterNames(InitScheme.Constant));
        Assert.Empty(InitSpec.ParameterNames(InitScheme.Zeros));
    }

    [Theory]
    [InlineData("xavier_uniform", "xavier-uniform")]
    [InlineData("xavier_uniform_", "xavier-uniform")]
    [InlineData(" Trunc_Normal ( std = 0.02 , A=-0.04,b = 0.04 ) ", "trunc-normal(std=0.02,a=-0.04,b=0.04)")]
    [InlineData("kaiming_uniform(a=2.236,mode=fan_out,nonlinearity=leaky_relu)", "kaiming-uniform(a=2.236,mode=fan-out,nonlinearity=leaky-relu)")]
    [InlineData("kaiming-normal(nonlinearity=conv_transpose1d)", "kaiming-normal(nonlinearity=conv-transpose1d)")]
    [InlineData("constant(val=1e-3)", "constant(value=0.001)")]
    [InlineData("normal()", "normal")]
    [InlineData("uniform(b=2,a=1)", "uniform(a=1,b=2)")]
    [InlineData("variance_scaling(distribution=truncated_normal)", "variance-scaling(distribution=truncated-normal)")]
    [InlineData("FASTTEXT", "fasttext")]
    public void Snake_case_and_pytorchs_spellings_are_read(string text, string canonical) =>
        Assert.Equal(canonical, InitSpec.Parse(text).ToString());

    [Theory]
    [InlineData("glorot", "Unknown initialisation scheme 'glorot'; expected one of: uniform, normal, trunc-normal,")]
    [InlineData("", "Unknown initialisation scheme ''")]
    [InlineData("normal(sd=1)", "normal takes no parameter 'sd'; expected one of: mean, std.")]
    [InlineData("zeros(value=1)", "zeros takes no parameter 'value'; zeros takes no parameters.")]
    [InlineData("normal(std=x)", "std = 'x' is not a number.")]
    [InlineData("normal(std=0.1.2)", "is not a number")]
    [InlineData("normal(std=0,02)", "'02' is not name=value")]
    [InlineData("dirac(groups=1.5)", "groups = '1.5' is not an integer.")]
    [InlineData("kaiming-uniform(mode=fan-sideways)", "mode = 'fan-sideways' is not one of: fan-in, fan-out, fan-avg.")]
    [InlineData("kaiming-uniform(nonlinearity=swish)", "is not one of: linear, conv1d,")]
    [InlineData("constant", "constant needs value; write e.g. constant(value=0.5).")]
    [InlineData("sparse(std=0.1)", "sparse needs sparsity; write e.g. sparse(sparsity=0.9).")]
    [InlineData("normal(std=1,std=2)", "the parameter std is given twice.")]
    [InlineData("normal(std=1", "has no closing ')'")]
    [InlineData("normal(std=1) x", "has no closing ')'")]
    [InlineData("normal(std=(1))", "nested parentheses")]
    [InlineData("normal(,)", "'' is not name=value")]
    [InlineData("normal(0, 0.02)", "'0' is not name=value")]
    public void Bad_text_is_a_one_line_format_error_naming_the_valid_choices(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => InitSpec.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(InitSpec.TryParse(text, out var spec));
        Assert.Null(spec);
    }

    [Fact]
    public void Create_refuses_parameters_the_scheme_does_not_take_and_missing_required_ones()
    {
        Assert.Contains("normal takes no parameter 'gain'",
            Assert.Throws<ArgumentException>(() => InitSpec.Create(InitScheme.Normal, gain: 2)).Message, StringComparison.Ordinal);
        Assert.Contains("constant needs value", Assert.Throws<ArgumentException>(() => InitSpec.Create(InitScheme.Constant)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => InitSpec.Create((InitScheme)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => InitSpec.Create(InitScheme.KaimingUniform, mode: (FanMode)9));
        Assert.Throws<ArgumentOutOfRangeException>(() => InitSpec.NameOf((InitScheme)99));
        Assert.Equal(InitSpec.Normal(std: 2), InitSpec.Create(InitScheme.Normal, std: 2));
        Assert.Throws<ArgumentNullException>(() => InitSpec.Parse(null!));
        Assert.False(InitSpec.TryParse(null, out _));
    }

    [Fact]
    public void Scheme_names_alone_parse_without_their_parameters()
    {
        Assert.Equal(InitScheme.Constant, InitSpec.ParseScheme("constant")); // a spec would need value
        Assert.Equal(InitScheme.XavierUniform, InitSpec.ParseScheme(" xavier_uniform_ "));
        Assert.True(InitSpec.TryParseScheme("FastText", out var scheme));
        Assert.Equal(InitScheme.FastText, scheme);
        Assert.False(InitSpec.TryParseScheme("normal(std=1)", out _));
        Assert.False(InitSpec.TryParseScheme(null, out _));
        Assert.StartsWith("Unknown initialisation scheme 'glorot'; expected one of: uniform,",
            Assert.Throws<FormatException>(() => InitSpec.ParseScheme("glorot")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_is_culture_invariant()
    {
        var previous = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NegativeSign = "−";
        try
        {
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("uniform(a=-0.1,b=0.1)", InitSpec.Uniform(-0.1, 0.1).ToString());
            Assert.Equal(InitSpec.Uniform(-0.1, 0.1), InitSpec.Parse("uniform(a=-0.1,b=0.1)"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Fasttext_is_refused_by_apply_and_bad_ranges_by_the_init_call()
    {
        var t = new FloatTensor(4, 4);
        Assert.Contains("WordVectorTrainer", Assert.Throws<NotSupportedException>(() => InitSpec.FastText.Apply(t, new Generator(0UL))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => InitSpec.Normal(std: -1).Apply(t, new Generator(0UL)));
        Assert.Throws<ArgumentException>(() => InitSpec.Uniform(1, 0).Apply(t, new Generator(0UL)));
        Assert.Throws<ArgumentNullException>(() => InitSpec.Zeros.Apply(null!, new Generator(0UL)));
        Assert.Same(t, InitSpec.Ones.Apply(t, new Generator(0UL)));
    }

    private static T? Takes<T>(InitScheme scheme, string parameter, T value)
        where T : struct => InitSpec.ParameterNames(scheme).Contains(parameter) ? value : null;

    private static int[] Bits(FloatTensor t) => [.. t.ToArray().Select(BitConverter.SingleToInt32Bits)];
}
