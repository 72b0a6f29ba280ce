-- floatloop: float arithmetic (mandelbrot set + spectral norm)
local t0 = os.clock()
local W, S = 360, 280
if arg and arg[1] == "quick" then W, S = 40, 20 end

-- Mandelbrot: count points that stay bounded
local inside, iters = 0, 0
for py = 0, W - 1 do
  local ci = 2.0 * py / W - 1.0
  for px = 0, W - 1 do
    local cr = 2.5 * px / W - 2.0
    local zr, zi, n = 0.0, 0.0, 0
    while n < 50 and zr * zr + zi * zi <= 4.0 do
      zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
      n = n + 1
    end
    iters = iters + n
    if n == 50 then inside = inside + 1 end
  end
end
print("mandelbrot " .. inside .. " " .. iters)

-- Spectral norm
local function A(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end
local function Av(x, y, n)
  for i = 1, n do
    local a = 0.0
    for j = 1, n do a = a + x[j] * A(i, j) end
    y[i] = a
  end
end
local function Atv(x, y, n)
  for i = 1, n do
    local a = 0.0
    for j = 1, n do a = a + x[j] * A(j, i) end
    y[i] = a
  end
end
local function AtAv(x, y, t, n) Av(x, t, n); Atv(t, y, n) end

local u, v, t = {}, {}, {}
for i = 1, S do u[i] = 1.0 end
for _ = 1, 10 do AtAv(u, v, t, S); AtAv(v, u, t, S) end
local vBv, vv = 0.0, 0.0
for i = 1, S do
  local ui, vi = u[i], v[i]
  vBv = vBv + ui * vi; vv = vv + vi * vi
end
print(string.format("spectral %0.9f", math.sqrt(vBv / vv)))
print(string.format("time: %.4f", os.clock() - t0))
