using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EmbedSharp.Initialization;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;
using EmbedSharp.Randomness;

namespace EmbedSharp.Cli.Commands;

/// <summary><c>embedsharp init</c>: fill a tensor with one scheme and write it as .npy or safetensors.</summary>
internal static class InitCommand
{
    /// <summary>--generator: true for PyTorch's stream, false for Philox.</summary>
    private static readonly Choices<bool> Generators = new(("torch", true), ("parallel", false));

    private static readonly Choices<PyTorchBuild> Builds = new(("mkl", PyTorchBuild.Mkl), ("no-mkl", PyTorchBuild.NoMkl));

    /// <summary>--format: false for .npy, true for safetensors.</summary>
    private static readonly Choices<bool> Formats = new(("npy", false), ("safetensors", true));

    public static Command Create()
    {
        var shape = new Option<string>("--shape") { Description = "Tensor shape, comma-separated, e.g. 10000,300.", Required = true };
        var scheme = new Option<string>("--scheme")
        {
            Description = "One of: " + string.Join(", ", InitSpec.SchemeNames.Where(n => n != InitSpec.FastText.Name))
                + ". Its parameters may follow in parentheses instead of as options, e.g. 'normal(std=0.02)'.",
            Required = true,
        };
        var seed = SharedOptions.Seed("Seed as for torch.manual_seed (any 64-bit integer, negative wraps).");
        var generator = new Option<string>("--generator") { Description = "torch (PyTorch's exact CPU stream) or parallel (Philox, fast, not PyTorch's bits).", DefaultValueFactory = _ => "torch" };
        var build = new Option<string>("--torch-build")
        {
            Description = "torch generator: the PyTorch build to match where builds differ (trunc-normal's erfinv): mkl (the official x86-64 wheels and libtorch) or no-mkl (Debian and other distribution packages, ARM and macOS wheels).",
            DefaultValueFactory = _ => "mkl",
        };
        var output = SharedOptions.OutFile("Output file.");
        var format = new Option<string>("--format") { Description = "npy or safetensors (default: from the file extension, else npy)." };
        var name = new Option<string>("--name") { Description = "Tensor name in a safetensors file.", DefaultValueFactory = _ => "weight" };
        var dtype = SharedOptions.DType("Stored element type: float32 (default), float16 (rounded as numpy/PyTorch float16), float64, or bfloat16 (safetensors only; rounded as PyTorch's .to(torch.bfloat16)).");
        var gain = new Option<double?>("--gain") { Description = "Gain (xavier, orthogonal, identity)." };
        var a = new Option<double?>("--a") { Description = "Lower bound (uniform, trunc-normal) or negative slope (kaiming)." };
        var b = new Option<double?>("--b") { Description = "Upper bound (uniform, trunc-normal)." };
        var mean = new Option<double?>("--mean") { Description = "Mean (normal, trunc-normal)." };
        var std = new Option<double?>("--std") { Description = "Standard deviation (normal, trunc-normal, sparse)." };
        var mode = new Option<string>("--mode") { Description = "fan-in, fan-out (kaiming), or fan-avg (variance-scaling)." };
        var nonlinearity = new Option<string>("--nonlinearity") { Description = "One of: " + string.Join(", ", Kebab.Names<NonlinearityKind>()) + " (kaiming)." };
        var sparsity = new Option<double?>("--sparsity") { Description = "Fraction of zeros per column (sparse)." };
        var value = new Option<double?>("--value") { Description = "Fill value (constant)." };
        var groups = new Option<int?>("--groups") { Description = "Groups (dirac)." };
        var scale = new Option<double?>("--scale") { Description = "Scale (variance-scaling)." };
        var distribution = new Option<string>("--distribution") { Description = "truncated-normal, untruncated-normal or uniform (variance-scaling)." };

        var command = new Command("init", "Fill a tensor with an initialisation scheme and write it (.npy or safetensors), bit-identical to torch.nn.init.");
        foreach (var o in new Option[] { shape, scheme, seed, generator, build, output, format, name, dtype, gain, a, b, mean, std, mode, nonlinearity, sparsity, value, groups, scale, distribution })
        {
            command.Options.Add(o);
        }

        command.SetAction(result => CliErrors.Run(() =>
        {
            var dims = ParseShape(result.GetValue(shape)!);
            var spec = BuildSpec(result.GetValue(scheme)!, result.GetValue(gain), result.GetValue(a), result.GetValue(b), result.GetValue(mean), result.GetValue(std),
                result.GetValue(mode) is { } m ? Kebab.Parse<FanMode>(m, "--mode") : null,
                result.GetValue(nonlinearity) is { } n ? Kebab.Parse<NonlinearityKind>(n, "--nonlinearity") : null,
                result.GetValue(sparsity), result.GetValue(value), result.GetValue(groups), result.GetValue(scale),
                result.GetValue(distribution) is { } d ? Kebab.Parse<VarianceScalingDistribution>(d, "--distribution") : null);
            var torchBuild = Builds.Parse(result.GetValue(build)!, "--torch-build");
            IRandomSource source = Generators.Parse(result.GetValue(generator)!, "--generator")
                ? new Generator(result.GetSeed(seed)) { Build = torchBuild }
                : new PhiloxGenerator(result.GetSeed(seed));
            var file = result.GetValue(output)!;
            var safetensors = result.GetValue(format) is { } f
                ? Formats.Parse(f, "--format")
                : file.Extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase);

            var stored = SharedOptions.DTypes.Parse(result.GetValue(dtype)!, "--dtype");
            var npyType = safetensors ? Numerics.Formats.Npy.NpyDType.Float32 : SharedOptions.NpyDTypeOf(stored);
            CheckFitsInMemory(dims);
            var tensor = new FloatTensor(dims);
            var clock = Stopwatch.StartNew();
            spec.Apply(tensor, source);
            var elapsed = clock.Elapsed;
            if (!safetensors)
            {
                NpyFile.Write(file.FullName, tensor, npyType);
            }
            else
            {
                SafetensorsFile.Write(file.FullName, new Dictionary<string, FloatTensor> { [result.GetValue(name)!] = tensor }, null,
                    new SafetensorsWriteOptions { DType = stored });
            }

            var s = tensor.Statistics();
            var stats = tensor.Length == 0
                ? "empty"
                : string.Create(CultureInfo.InvariantCulture, $"mean={s.Mean:0.######} std={s.Std:0.######} min={s.Min:0.######} max={s.Max:0.######}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Name} {FloatTensor.FormatShape(tensor.Shape)} {stats} time={elapsed.TotalMilliseconds:0.#}ms -> {file.FullName}"));
        }));
        return command;
    }

    /// <summary>The spec of <c>--scheme</c> (a name such as <c>xavier-uniform</c>, or a spec with parameters such as
    /// <c>normal(std=0.02)</c>) with the parameter options it takes; options the scheme does not take are ignored, and a
    /// parameter given both ways is an error.</summary>
    internal static InitSpec BuildSpec(string schemeText, double? gain, double? a, double? b, double? mean, double? std, FanMode? mode,
        NonlinearityKind? nonlinearity, double? sparsity, double? value, int? groups, double? scale, VarianceScalingDistribution? distribution)
    {
        var parsed = schemeText.Contains('(', StringComparison.Ordinal) ? InitSpec.Parse(schemeText) : null; // with its parameters
        var kind = parsed?.Scheme ?? InitSpec.ParseScheme(schemeText);
        if (kind == InitScheme.FastText)
        {
            throw new ArgumentException("--scheme fasttext is fastText's own start of the input matrix (its values depend on the thread count); use train-vectors --init fasttext.");
        }

        var takes = InitSpec.ParameterNames(kind);
        T? Pick<T>(string name, T? inText, T? option)
            where T : struct
        {
            if (!takes.Contains(name))
            {
                return null;
            }

            if (inText is not null && option is not null)
            {
                throw new ArgumentException($"{name} is given twice: in --scheme '{schemeText}' and as --{name}.");
            }

            return inText ?? option;
        }

        return InitSpec.Create(kind,
            gain: Pick("gain", parsed?.Gain, gain),
            a: Pick("a", parsed?.A, a),
            b: Pick("b", parsed?.B, b),
            mean: Pick("mean", parsed?.Mean, mean),
            std: Pick("std", parsed?.Std, std),
            mode: Pick("mode", parsed?.Mode, mode),
            nonlinearity: Pick("nonlinearity", parsed?.Nonlinearity, nonlinearity),
            sparsity: Pick("sparsity", parsed?.Sparsity, sparsity) ?? (kind == InitScheme.Sparse ? throw new ArgumentException("sparse needs --sparsity.") : null),
            value: Pick("value", parsed?.Value, value) ?? (kind == InitScheme.Constant ? throw new ArgumentException("constant needs --value.") : null),
            groups: Pick("groups", parsed?.Groups, groups),
            scale: Pick("scale", parsed?.Scale, scale),
            distribution: Pick("distribution", parsed?.Distribution, distribution));
    }

    /// <summary>Refuses a shape whose float32 storage exceeds the memory this process may use, before allocating.</summary>
    internal static void CheckFitsInMemory(long[] dims)
    {
        var elements = 1.0;
        foreach (var d in dims)
        {
            elements *= d;
        }

        var bytes = elements * sizeof(float);
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--shape {string.Join(',', dims)} needs {bytes / (1 << 30):0.#} GiB of float32 storage; only {available / (double)(1 << 30):0.#} GiB is available."));
        }
    }

    /// <summary>Parses a shape strictly: non-negative integers separated by commas (<c>10000,300</c>), else by <c>x</c>
    /// (<c>10000x300</c>), else by blanks (<c>10000 300</c>); blanks around a dimension are ignored. Anything else
    /// (<c>10,x</c>, <c>10,,3</c>, <c>10,</c>, <c>10,-3</c>, a dimension over 2^63 − 1) is an error naming it.</summary>
    /// <exception cref="ArgumentException">Not a shape.</exception>
    internal static long[] ParseShape(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException($"--shape '{text}' has no dimensions; write e.g. 10000,300.");
        }

        var parts = trimmed.Contains(',', StringComparison.Ordinal) ? trimmed.Split(',')
            : trimmed.IndexOfAny(['x', 'X']) >= 0 ? trimmed.Split('x', 'X')
            : trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var dims = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i].Trim();
            if (part.Length == 0)
            {
                throw new ArgumentException($"--shape '{text}' has an empty dimension; write e.g. 10000,300.");
            }

            if (!part.All(char.IsAsciiDigit))
            {
                throw new ArgumentException($"--shape '{text}': '{part}' is not a non-negative integer.");
            }

            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]))
            {
                throw new ArgumentException($"--shape '{text}': {part} is larger than {long.MaxValue}.");
            }
        }

        return dims;
    }
}
