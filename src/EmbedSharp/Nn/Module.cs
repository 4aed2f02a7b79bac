using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Safetensors;

namespace EmbedSharp.Nn;

/// <summary>
/// Base of every layer and model: named parameters, buffers and child modules, with PyTorch's naming
/// (<c>encoder.embedding.weight</c>) so a state dict round-trips with <c>safetensors.torch.save_file</c> /
/// <c>load_file</c>. torch: <c>nn.Module</c>. Forward and backward are explicit methods of each layer.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, FloatTensor Buffer)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Whether the module is in training mode (affects dropout); true after construction. torch: <c>training</c>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/> and returns it.</summary>
    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(parameter);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a persistent buffer (state that is saved but not trained, e.g. a positional table).</summary>
    protected FloatTensor RegisterBuffer(string name, FloatTensor buffer)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(buffer);
        _buffers.Add((name, buffer));
        return buffer;
    }

    /// <summary>Registers a child module under <paramref name="name"/> and returns it.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(module);
        _children.Add((name, module));
        return module;
    }

    /// <summary>All parameters, this module's first, then each child's in registration order.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>All parameters with their dotted names (torch: <c>named_parameters()</c>).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters)
        {
            yield return (prefix + name, p);
        }

        foreach (var (name, child) in _children)
        {
            foreach (var item in child.NamedParameters(prefix + name + "."))
            {
                yield return item;
            }
        }
    }

    /// <summary>All persistent buffers with their dotted names (torch: <c>named_buffers()</c>).</summary>
    public IEnumerable<(string Name, FloatTensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers)
        {
            yield return (prefix + name, b);
        }

        foreach (var (name, child) in _children)
        {
            foreach (var item in child.NamedBuffers(prefix + name + "."))
            {
                yield return item;
            }
        }
    }

    /// <summary>Parameters and buffers by dotted name (torch: <c>state_dict()</c>); the tensors are the live ones, not copies.</summary>
    public IReadOnlyDictionary<string, FloatTensor> StateDict()
    {
        var d = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach (var (name, p) in NamedParameters())
        {
            d[name] = p.Value;
        }

        foreach (var (name, b) in NamedBuffers())
        {
            d[name] = b;
        }

        return d;
    }

    /// <summary>Copies values from <paramref name="state"/> into the parameters and buffers (torch: <c>load_state_dict</c>).
    /// Every name and shape is checked before anything is copied, so a failed load changes nothing.</summary>
    /// <param name="state">Tensors by dotted name.</param>
    /// <param name="strict">When true, missing and unexpected names are errors; otherwise they are skipped.</param>
    /// <exception cref="ArgumentException">A name is missing or unexpected (strict), or a shape differs (names both shapes).</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, FloatTensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            throw new ArgumentException($"State dict mismatch: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].", nameof(state));
        }

        foreach (var (name, target) in own)
        {
            if (state.TryGetValue(name, out var source) && !source.Shape.SequenceEqual(target.Shape))
            {
                throw new ArgumentException(
                    $"Shape mismatch for '{name}': the checkpoint has {FloatTensor.FormatShape(source.Shape)}, the module {FloatTensor.FormatShape(target.Shape)}.", nameof(state));
            }
        }

        foreach (var (name, target) in own)
        {
            if (state.TryGetValue(name, out var source) && !ReferenceEquals(source, target))
            {
                target.BumpVersion();
                for (long r = 0; r < target.RowCount && target.Length > 0; r++)
                {
                    source.Row(r).CopyTo(target.Row(r));
                }
            }
        }
    }

    /// <summary>Writes the state dict as a safetensors file (atomic), readable by <c>safetensors.torch.load_file</c>.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsFile.Write(path, StateDict(), metadata);

    /// <summary>Loads a safetensors state dict written by <see cref="Save"/> or by <c>safetensors.torch.save_file</c>.</summary>
    public void Load(string path, bool strict = true)
    {
        var content = SafetensorsFile.Read(path);
        LoadStateDict(content.Names.ToDictionary(n => n, content.GetTensor, StringComparer.Ordinal), strict);
    }

    /// <summary>Sets training mode on this module and every child (torch: <c>train(mode)</c>); returns this module.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, child) in _children)
        {
            child.Train(mode);
        }

        return this;
    }

    /// <summary>Sets evaluation mode (torch: <c>eval()</c>); returns this module.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears every parameter's gradient (torch: <c>zero_grad()</c>).</summary>
    public void ZeroGrad()
    {
        // Plain loops, not the Parameters() iterator, so a training step allocates nothing here.
        foreach (var (_, p) in _parameters)
        {
            p.ZeroGrad();
        }

        foreach (var (_, child) in _children)
        {
            child.ZeroGrad();
        }
    }

    private void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A name may not contain '.': '{name}'.", nameof(name));
        }

        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
        {
            throw new ArgumentException($"'{name}' is already registered.", nameof(name));
        }
    }
}
