-- methods: OOP with setmetatable and __index chains (3 levels of inheritance)
local t0 = os.clock()
local N = 2000000
if arg and arg[1] == "quick" then N = 20000 end

local Animal = {}
Animal.__index = Animal
function Animal.new(name, legs)
  return setmetatable({ name = name, legs = legs, energy = 10 }, Animal)
end
function Animal:eat(n) self.energy = self.energy + n; return self end
function Animal:move() self.energy = self.energy - 1; return self.legs end
function Animal:describe() return self.name .. "/" .. self.legs end

local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name)
  local d = Animal.new(name, 4)
  d.tricks = 0
  return setmetatable(d, Dog)
end
function Dog:learn() self.tricks = self.tricks + 1 end
function Dog:move() return Animal.move(self) * 2 end

local Puppy = setmetatable({}, { __index = Dog })
Puppy.__index = Puppy
function Puppy.new(name)
  local p = Dog.new(name)
  p.age = 0
  return setmetatable(p, Puppy)
end
function Puppy:grow() self.age = self.age + 1; return self.age end

local zoo = { Animal.new("snake", 0), Animal.new("bird", 2), Dog.new("rex"), Puppy.new("bit") }
local dist = 0
for i = 1, N do
  local a = zoo[i % 4 + 1]
  dist = dist + a:move()            -- own class or inherited via 1-3 levels
  a:eat(i % 3)
  if a.learn then a:learn() end     -- found through the chain or nil
  if a.grow and i % 100 == 3 then a:grow() end
end
local e = 0
for _, a in ipairs(zoo) do e = e + a.energy end
print("distance", dist)
print("energy", e)
print("tricks", zoo[3].tricks, zoo[4].tricks, "age", zoo[4].age)
print("describe", zoo[4]:describe(), getmetatable(zoo[4]) == Puppy)
print(string.format("time: %.4f", os.clock() - t0))
