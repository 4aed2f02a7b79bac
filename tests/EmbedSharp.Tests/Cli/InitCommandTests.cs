using EmbedSharp.Cli;
using EmbedSharp.Cli.Commands;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Cli;

[Collection("Console")]
public sealed class InitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Invoke(params string[] args) => CliRunner.Invoke(null, args);

    public static TheoryData<string, string, bool> TorchFiles()
    {
        var data = new TheoryData<string, string, bool>();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "cli", "cases.json")));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            data.Add(c.GetProperty("file").GetString()!, c.GetProperty("args").GetString()!, c.GetProperty("exact").GetBoolean());
        }

        return data;
    }

    /// <summary>tests/data/cli holds np.save files of torch.manual_seed(seed) + the same torch.nn.init call
    /// (tools/goldens/make_cli.py): the CLI's file must be the same bytes (orthogonal: values within 1e-6).</summary>
    [Theory]
    [MemberData(nameof(TorchFiles))]
    public void The_file_is_identical_to_the_one_pytorch_and_numpy_write(string file, string args, bool exact)
    {
        var path = Path.Combine(_dir, file);
        var (code, _, err) = Invoke(["init", .. args.Split(' '), "--out", path]);
        Assert.True(code == 0, err);
        var expected = Path.Combine(AppContext.BaseDirectory, "data", "cli", file);
        if (exact)
        {
            Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(path));
        }
        else
        {
            var a = NpyFile.ReadTensor(expected).ToArray();
            var b = NpyFile.ReadTensor(path).ToArray();
            Assert.Equal(a.Length, b.Length);
            Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-6, $"{p.First} vs {p.Second}"));
        }
    }

    [Fact]
    public void Dtype_stores_the_tensor_rounded_as_numpy_and_pytorch_round_it()
    {
        var f32 = Path.Combine(_dir, "t.npy");
        var f16 = Path.Combine(_dir, "t16.npy");
        var bf16 = Path.Combine(_dir, "t.safetensors");
        string[] common = ["init", "--shape", "5,7", "--scheme", "normal", "--seed", "11"];
        Assert.Equal(0, Invoke([.. common, "--out", f32]).Code);
        Assert.Equal(0, Invoke([.. common, "--dtype", "float16", "--out", f16]).Code);
        Assert.Equal(0, Invoke([.. common, "--dtype", "bf16", "--out", bf16]).Code);
        var exact = NpyFile.ReadTensor(f32);
        var half = NpyFile.Read(f16);
        Assert.Equal(NpyDType.Float16, half.DType);
        var brain = SafetensorsFile.Read(bf16);
        Assert.Equal(SafetensorsDType.BFloat16, brain.GetInfo("weight").DType);
        for (var i = 0; i < exact.Length; i++)
        {
            Assert.Equal((float)(Half)exact[i], half.ToTensor()[i]);
            Assert.Equal(BitConverter.UInt32BitsToSingle((uint)EmbedSharp.Numerics.Formats.HalfRounding.ToBFloat16(exact[i]) << 16), brain.GetTensor("weight")[i]);
        }

        var (code, _, err) = Invoke([.. common, "--dtype", "bfloat16", "--out", Path.Combine(_dir, "b.npy")]);
        Assert.Equal(1, code);
        Assert.Contains("numpy has no bfloat16", err, StringComparison.Ordinal);
        Assert.Equal(1, Invoke([.. common, "--dtype", "int8", "--out", f32]).Code);
    }

    [Fact]
    public void Kaiming_options_map_to_pytorchs_arguments()
    {
        var path = Path.Combine(_dir, "k.safetensors");
        var (code, _, _) = Invoke("init", "--shape", "8,4,3", "--scheme", "kaiming-normal", "--a", "0.2", "--mode", "fan-out",
            "--nonlinearity", "leaky-relu", "--seed", "3", "--out", path, "--name", "conv.weight");
        Assert.Equal(0, code);
        var expected = Init.KaimingNormal(new FloatTensor(8, 4, 3), new Generator(3UL), FanMode.FanOut, Nonlinearity.LeakyRelu(0.2));
        var read = SafetensorsFile.Read(path).GetTensor("conv.weight");
        Assert.Equal(expected.ToArray(), read.ToArray());
        Assert.Equal([8L, 4, 3], read.Shape.ToArray());
    }

    [Theory]
    [InlineData("trunc-normal", "--std", "0.02")]
    [InlineData("sparse", "--sparsity", "0.5")]
    [InlineData("orthogonal", "--gain", "2")]
    [InlineData("constant", "--value", "0.25")]
    [InlineData("variance-scaling", "--distribution", "uniform")]
    [InlineData("uniform", "--generator", "parallel")]
    public void Every_scheme_runs_from_the_command_line(string scheme, string option, string value)
    {
        var path = Path.Combine(_dir, scheme + ".npy");
        var (code, _, err) = Invoke("init", "--shape", "20,10", "--scheme", scheme, option, value, "--out", path);
        Assert.True(code == 0, err);
        Assert.Equal(200, NpyFile.ReadTensor(path).Length);
    }

    [Theory]
    [InlineData("--scheme", "glorot")]
    [InlineData("--shape", "10,-3")]
    [InlineData("--seed", "abc")]
    [InlineData("--nonlinearity", "swish")]
    [InlineData("--std", "-1")]
    [InlineData("--shape", "1000000000000,300")]
    [InlineData("--shape", "10,x")]
    [InlineData("--shape", "10,,3")]
    [InlineData("--shape", "99999999999999999999,3")]
    [InlineData("--generator", "cuda")]
    [InlineData("--format", "pt")]
    [InlineData("--mode", "fan-sideways")]
    public void A_user_mistake_gives_one_line_on_stderr_and_exit_code_1(string option, string value)
    {
        var path = Path.Combine(_dir, "bad.npy");
        var args = new List<string> { "init", "--shape", "10,3", "--scheme", "kaiming-normal", "--out", path };
        var i = args.IndexOf(option);
        if (i >= 0)
        {
            args[i + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        if (option == "--std")
        {
            args[args.IndexOf("kaiming-normal")] = "normal";
        }

        var (code, _, err) = Invoke([.. args]);
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void An_output_that_is_a_device_is_written_into_not_replaced_and_an_empty_tensor_says_so()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var (code, output, err) = Invoke("init", "--shape", "0,5", "--scheme", "normal", "--out", "/dev/null");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("normal (0, 5) empty time=", output, StringComparison.Ordinal);
        Assert.Equal(EmbedSharp.Numerics.Formats.FileKind.Device, EmbedSharp.Numerics.Formats.FileKinds.Of("/dev/null"));
    }

    [Fact]
    public void The_scheme_may_carry_its_parameters_as_an_init_spec()
    {
        var withOptions = Path.Combine(_dir, "options.npy");
        var inSpec = Path.Combine(_dir, "spec.npy");
        Assert.Equal(0, Invoke("init", "--shape", "30,7", "--scheme", "trunc-normal", "--std", "0.02", "--a", "-0.04", "--b", "0.04", "--seed", "5", "--out", withOptions).Code);
        var (code, output, err) = Invoke("init", "--shape", "30,7", "--scheme", "trunc_normal(std=0.02,a=-0.04)", "--b", "0.04", "--seed", "5", "--out", inSpec);
        Assert.True(code == 0, err);
        Assert.StartsWith("trunc-normal (30, 7) mean=", output, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(withOptions), File.ReadAllBytes(inSpec));
        var expected = InitSpec.Parse("trunc-normal(std=0.02,a=-0.04,b=0.04)").Apply(new FloatTensor(30, 7), new Generator(5UL));
        Assert.Equal(expected.ToArray(), NpyFile.ReadTensor(inSpec).ToArray());
    }

    [Theory]
    [InlineData("normal(std=0.1)", "--std", "0.2", "std is given twice")]
    [InlineData("constant", "--gain", "2", "constant needs --value.")]
    [InlineData("sparse", "--std", "0.1", "sparse needs --sparsity.")]
    [InlineData("fasttext", "--gain", "2", "train-vectors --init fasttext")]
    [InlineData("normal(sd=1)", "--gain", "2", "normal takes no parameter 'sd'")]
    [InlineData("glorot", "--gain", "2", "Unknown initialisation scheme 'glorot'")]
    public void A_bad_scheme_or_parameter_is_one_line_naming_it(string scheme, string option, string value, string message)
    {
        var path = Path.Combine(_dir, "bad.npy");
        var (code, _, err) = Invoke("init", "--shape", "10,3", "--scheme", scheme, option, value, "--out", path);
        Assert.Equal(1, code);
        Assert.StartsWith("embedsharp: ", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Shapes_and_seeds_parse_like_pytorch()
    {
        Assert.Equal([10000L, 300], InitCommand.ParseShape("10000,300"));
        Assert.Equal([2L, 3, 4], InitCommand.ParseShape("2x3x4"));
        Assert.Equal(ulong.MaxValue, SharedOptions.ParseSeed("-1"));
        Assert.Equal(ulong.MaxValue, SharedOptions.ParseSeed("18446744073709551615"));
        Assert.Throws<ArgumentException>(() => SharedOptions.ParseSeed("18446744073709551616"));
    }
}

/// <summary>Tests that redirect the process-wide console run one at a time.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;
