namespace EmbedSharp.Autograd;

/// <summary>C# operators over <see cref="Ops"/>: each records the same node as the named operation.</summary>
public partial class Variable
{
    /// <summary>a + b with broadcasting: <see cref="Ops.Add(Variable, Variable)"/>. torch: <c>a + b</c>.</summary>
    public static Variable operator +(Variable a, Variable b) => Ops.Add(a, b);

    /// <summary>a + s: <see cref="Ops.Add(Variable, float)"/>.</summary>
    public static Variable operator +(Variable a, float s) => Ops.Add(a, s);

    /// <summary>s + a: <see cref="Ops.Add(Variable, float)"/> (torch's <c>__radd__</c>).</summary>
    public static Variable operator +(float s, Variable a) => Ops.Add(a, s);

    /// <summary>a − b with broadcasting: <see cref="Ops.Sub(Variable, Variable)"/>. torch: <c>a - b</c>.</summary>
    public static Variable operator -(Variable a, Variable b) => Ops.Sub(a, b);

    /// <summary>a − s: <see cref="Ops.Sub(Variable, float)"/>.</summary>
    public static Variable operator -(Variable a, float s) => Ops.Sub(a, s);

    /// <summary>s − a: <see cref="Ops.Sub(float, Variable)"/> (torch's <c>rsub</c>).</summary>
    public static Variable operator -(float s, Variable a) => Ops.Sub(s, a);

    /// <summary>a · b elementwise with broadcasting: <see cref="Ops.Mul(Variable, Variable)"/>. torch: <c>a * b</c>.</summary>
    public static Variable operator *(Variable a, Variable b) => Ops.Mul(a, b);

    /// <summary>a · s: <see cref="Ops.Mul(Variable, float)"/>.</summary>
    public static Variable operator *(Variable a, float s) => Ops.Mul(a, s);

    /// <summary>s · a: <see cref="Ops.Mul(Variable, float)"/>.</summary>
    public static Variable operator *(float s, Variable a) => Ops.Mul(a, s);

    /// <summary>a / b elementwise with broadcasting: <see cref="Ops.Div(Variable, Variable)"/>. torch: <c>a / b</c>.</summary>
    public static Variable operator /(Variable a, Variable b) => Ops.Div(a, b);

    /// <summary>a / s: <see cref="Ops.Div(Variable, float)"/>.</summary>
    public static Variable operator /(Variable a, float s) => Ops.Div(a, s);

    /// <summary>s / a: <see cref="Ops.Div(float, Variable)"/> (torch's <c>__rdiv__</c>).</summary>
    public static Variable operator /(float s, Variable a) => Ops.Div(s, a);

    /// <summary>−a: <see cref="Ops.Neg"/>. torch: <c>-a</c>.</summary>
    public static Variable operator -(Variable a) => Ops.Neg(a);
}
