using System.Collections;
using System.Globalization;
using EmbedSharp.Autograd;

namespace EmbedSharp.Nn;

/// <summary>
/// Layers applied one after another: <c>Forward(x) = layers[n−1](… layers[0](x))</c>. The layers are registered as
/// children named <c>0</c>, <c>1</c>, … so parameter names are PyTorch's (<c>0.weight</c>, <c>2.bias</c>).
/// torch: <c>nn.Sequential</c>.
/// </summary>
public sealed class Sequential : Module, ILayer, IReadOnlyList<ILayer>
{
    private readonly List<ILayer> _layers = [];

    /// <summary>Chains <paramref name="layers"/>, each a <see cref="Module"/> implementing <see cref="ILayer"/>.</summary>
    /// <exception cref="ArgumentException">A layer is not a <see cref="Module"/> (its parameters could not be found).</exception>
    public Sequential(params ILayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers)
        {
            Append(layer);
        }
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public ILayer this[int index] => _layers[index];

    /// <summary>Adds a layer at the end (torch: <c>append</c>); returns this container.</summary>
    /// <exception cref="ArgumentException">The layer is not a <see cref="Module"/>.</exception>
    public Sequential Append(ILayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is not Module module)
        {
            throw new ArgumentException($"Sequential: layer {_layers.Count} ({layer.GetType().Name}) is not a Module, so its parameters could not be registered.", nameof(layer));
        }

        RegisterModule(_layers.Count.ToString(CultureInfo.InvariantCulture), module);
        _layers.Add(layer);
        return this;
    }

    /// <inheritdoc />
    public Variable Forward(Variable input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            x = layer.Forward(x);
        }

        return x;
    }

    /// <inheritdoc />
    public IEnumerator<ILayer> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A list of modules whose parameters belong to the owner (children named <c>0</c>, <c>1</c>, …), for models that
/// loop over their blocks themselves. torch: <c>nn.ModuleList</c>.
/// </summary>
/// <typeparam name="T">The type of the modules.</typeparam>
public sealed class ModuleList<T> : Module, IReadOnlyList<T>
    where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>A list holding <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<T> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules)
        {
            Append(m);
        }
    }

    /// <summary>The number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <summary>Adds a module at the end (torch: <c>append</c>); returns this list.</summary>
    public ModuleList<T> Append(T module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_items.Count.ToString(CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
